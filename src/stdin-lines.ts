// A pass-through for stdin that reports each line that is not JSON. The SDK's stdio transport skips such a line without
// a word (the stdio binding allows it, and answers nothing); a host developer reading the server's log on stderr should
// still learn why a line got no answer.
import { StringDecoder } from 'node:string_decoder';
import { Transform } from 'node:stream';

const isJson = (line: string): boolean => {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
};

export function reportNonJsonLines(report: (line: string) => void): Transform {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  const check = (line: string): void => {
    const text = line.replace(/\r$/, '');
    if (text.trim() !== '' && !isJson(text)) report(text);
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const lines = (partial + decoder.write(chunk)).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) check(line);
      done(null, chunk);
    },
    flush(done) {
      check(partial + decoder.end());
      done();
    },
  });
}
