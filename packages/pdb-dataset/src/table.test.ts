import { describe, expect, it } from '@jest/globals';
import { renderTable } from './table.js';

describe('renderTable', () => {
  it('pads every column to its widest cell', () => {
    expect(
      renderTable(
        ['id', 'outcome'],
        [
          ['1ubq', 'stable'],
          ['4kw4', 'failed'],
        ],
      ),
    ).toBe('id    outcome\n----  -------\n1ubq  stable\n4kw4  failed\n');
  });

  it('prints the header alone when there are no rows', () => {
    expect(renderTable(['a', 'bb'], [])).toBe('a  bb\n-  --\n');
  });
});
