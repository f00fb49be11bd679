export type IPParseErrorCode =
  | 'EMPTY'
  | 'INVALID_ADDRESS'
  | 'ZONE_ID'
  | 'UNEXPECTED_PREFIX'
  | 'INVALID_PREFIX'
  | 'PREFIX_OUT_OF_RANGE'
  | 'HOST_BITS_SET'
  | 'MIXED_FAMILIES'
  | 'START_AFTER_END'
  | 'INVALID_RANGE';

/**
 * A text that is not a valid address, prefix or range. `message` is `<input>: <reason>` so it can be
 * shown to an operator as it is; `reason` alone lets callers put their own context in front.
 */
export class IPParseError extends Error {
  override readonly name = 'IPParseError';

  constructor(
    readonly code: IPParseErrorCode,
    readonly input: string,
    readonly reason: string,
  ) {
    super(`${showInput(input)}: ${reason}`);
  }
}

/** Quotes the input when it would otherwise be invisible or ambiguous in a message. */
export function showInput(text: string): string {
  return text === '' || /\s/.test(text) ? JSON.stringify(text) : text;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: IPParseError };
