import { describe, expect, it } from '@jest/globals';
import { RequestFormatError } from './errors.js';
import {
  headerSafe,
  parseAxonResponseHeaders,
  parseRequestHeaders,
  terminalHeaders,
} from './headers.js';

const good = {
  name: 'FoldProgress',
  timeout: '12.0',
  bt_header_dendrite_hotkey: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY',
  bt_header_dendrite_nonce: '1764054000123456789',
  bt_header_dendrite_uuid: '5ecbd69c-1cec-11ee-b0dc-e29ce36fec1a',
  bt_header_dendrite_signature: `0x${'ab'.repeat(64)}`,
  bt_header_dendrite_version: '10002000',
  computed_body_hash: 'f'.repeat(64),
};

describe('parseRequestHeaders', () => {
  it('reads the SDK headers, the nonce as an exact bigint', () => {
    const parsed = parseRequestHeaders(good);
    expect(parsed.dendrite.nonce).toBe(1764054000123456789n);
    expect(parsed).toMatchObject({ name: 'FoldProgress', timeoutS: 12, bodyHash: 'f'.repeat(64) });
  });

  it('defaults the timeout to the SDK default of 12 s', () => {
    const { timeout: _t, ...rest } = good;
    expect(parseRequestHeaders(rest).timeoutS).toBe(12);
  });

  it.each([
    ['bt_header_dendrite_hotkey', 'alice'],
    ['bt_header_dendrite_nonce', '-1'],
    ['bt_header_dendrite_nonce', '1e18'],
    ['bt_header_dendrite_uuid', 'a b'],
    ['computed_body_hash', 'F'.repeat(64)],
    ['timeout', 'soon'],
    ['timeout', '0'],
    ['bt_header_dendrite_version', 'v10'],
  ])('rejects %s = %j, naming the header', (name, value) => {
    expect(() => parseRequestHeaders({ ...good, [name]: value })).toThrow(RequestFormatError);
    expect(() => parseRequestHeaders({ ...good, [name]: value })).toThrow(name);
  });
});

describe('terminal headers', () => {
  it('render process time as a Python float and read back what they wrote', () => {
    const headers = terminalHeaders('axon', {
      statusCode: 200,
      statusMessage: 'Success',
      processTimeS: 2,
      nonce: 5n,
    });
    expect(headers).toEqual({
      bt_header_axon_status_code: '200',
      bt_header_axon_status_message: 'Success',
      bt_header_axon_process_time: '2.0',
      bt_header_axon_nonce: '5',
    });
    expect(parseAxonResponseHeaders(headers)).toEqual({
      statusCode: 200,
      statusMessage: 'Success',
      processTimeS: 2,
      nonce: 5n,
    });
  });

  it('keep header values printable ASCII', () => {
    expect(headerSafe('bad\r\nX-Injected: 1 é')).toBe('bad??X-Injected: 1 ?');
  });
});
