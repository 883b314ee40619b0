/**
 * Vertical offsets of the timeline's rows. Every row has the same height, and an expanded row adds
 * the height of its detail, so the offset of a row is its index times the row height plus the
 * detail heights of the expanded rows before it. The prefix sums run over the expanded rows only,
 * so building and querying cost grows with the number of expanded rows, not with the run.
 */
export class RowOffsets {
  /** Indices of the expanded rows, ascending. */
  private readonly expandedIndices: number[];
  /** `detailsBefore[j]` is the sum of the detail heights of the first j expanded rows. */
  private readonly detailsBefore: number[];

  /**
   * @param count number of rows
   * @param rowHeight height of a collapsed row, in pixels
   * @param detailHeights detail height in pixels by row index, for each expanded row
   */
  constructor(
    readonly count: number,
    private readonly rowHeight: number,
    detailHeights: ReadonlyMap<number, number>,
  ) {
    this.expandedIndices = [...detailHeights.keys()]
      .filter((index) => index >= 0 && index < count)
      .sort((a, b) => a - b);
    this.detailsBefore = [0];
    for (const index of this.expandedIndices) {
      this.detailsBefore.push(this.detailsBefore.at(-1)! + detailHeights.get(index)!);
    }
  }

  /** The offset of the top of row `index` from the top of the list; `count` gives the height. */
  top(index: number): number {
    return index * this.rowHeight + this.detailsBefore[this.expandedBefore(index)]!;
  }

  /** Height of the whole list, in pixels. */
  total(): number {
    return this.top(this.count);
  }

  /** Index of the row that contains the offset `y`, clamped to the rows that exist. */
  indexAt(y: number): number {
    if (this.count === 0) return 0;
    const target = Math.max(0, y);
    // The last expanded row whose top is at or above the target, by binary search.
    let low = 0;
    let high = this.expandedIndices.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      const top = this.expandedIndices[middle]! * this.rowHeight + this.detailsBefore[middle]!;
      if (top <= target) low = middle + 1;
      else high = middle;
    }
    let detailsAbove = 0;
    if (low > 0) {
      const index = this.expandedIndices[low - 1]!;
      // An expanded row covers its collapsed height and its detail.
      if (target < this.top(index + 1)) return index;
      detailsAbove = this.detailsBefore[low]!;
    }
    // The rows between that expanded row and the next are all collapsed.
    return Math.min(this.count - 1, Math.floor((target - detailsAbove) / this.rowHeight));
  }

  /** Number of expanded rows with an index below `index`, by binary search. */
  private expandedBefore(index: number): number {
    let low = 0;
    let high = this.expandedIndices.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.expandedIndices[middle]! < index) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
