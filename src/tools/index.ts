// Every MCP tool the server offers.
import type { McpServer } from '@modelcontextprotocol/server';
import type { ProtocolEra } from '../server.js';
import { registerBookMeetingTool, type BookMeetingToolDeps } from './book-meeting.js';
import { registerCancelBookingTool, type CancelBookingToolDeps } from './cancel-booking.js';
import { registerConnectProviderTool, type ConnectProviderToolDeps } from './connect-provider.js';
import { registerFindAvailableSlotsTool, type FindAvailableSlotsToolDeps } from './find-available-slots.js';
import { registerListBookingsTool, type ListBookingsToolDeps } from './list-bookings.js';
import { registerRescheduleBookingTool, type RescheduleBookingToolDeps } from './reschedule-booking.js';

export type ToolDeps = BookMeetingToolDeps &
  FindAvailableSlotsToolDeps &
  ListBookingsToolDeps &
  RescheduleBookingToolDeps &
  CancelBookingToolDeps &
  ConnectProviderToolDeps;

export function registerTools(server: McpServer, deps: ToolDeps, era: ProtocolEra): void {
  registerFindAvailableSlotsTool(server, deps);
  registerBookMeetingTool(server, deps);
  registerListBookingsTool(server, deps);
  registerRescheduleBookingTool(server, deps);
  registerCancelBookingTool(server, deps);
  registerConnectProviderTool(server, deps, era);
}
