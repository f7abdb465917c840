/** One Server-Sent Event: its name and its data (the `data:` lines joined). */
export interface ISseEvent {
  event: string;
  data: string;
}

/**
 * An incremental Server-Sent Events parser: feed it text as it arrives, get the
 * events that are complete so far (an event ends at a blank line).
 */
export class SseParser {
  private buffer = '';

  push(text: string): ISseEvent[] {
    this.buffer = (this.buffer + text).replace(/\r\n/g, '\n');
    const blocks = this.buffer.split('\n\n');
    this.buffer = blocks.pop() ?? '';
    return parseBlocks(blocks);
  }

  /** The events left when the stream ends (a last event without its blank line). */
  flush(): ISseEvent[] {
    const rest = this.buffer;
    this.buffer = '';
    return parseBlocks([rest]);
  }
}

function parseBlocks(blocks: string[]): ISseEvent[] {
  const events: ISseEvent[] = [];
  for (const block of blocks) {
    const event = parseBlock(block.replace(/\r/g, '\n'));
    if (event) {
      events.push(event);
    }
  }
  return events;
}

function parseBlock(block: string): ISseEvent | null {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (!line || line.startsWith(':')) {
      continue; // a comment (keep-alive)
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) {
      value = value.slice(1);
    }
    if (field === 'event') {
      event = value;
    } else if (field === 'data') {
      data.push(value);
    }
  }
  return data.length ? { event, data: data.join('\n') } : null;
}
