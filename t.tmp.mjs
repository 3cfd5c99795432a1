import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { McpServer } from '@modelcontextprotocol/server';
serveStdio(() => { const s = new McpServer({name:'x',version:'1'}); s.server.onerror = (e) => console.error('inst', e.name); return s; }, { onerror: (e) => console.error('entry', e.name, e.message.slice(0,60).replace(/\n/g,' ')) });
