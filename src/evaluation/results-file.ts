import { appendFile, readFile } from 'node:fs/promises';

/**
 * An append-only JSONL file of finished work. Each record is appended whole as soon as it is done,
 * so an interrupted run loses at most the records in flight; a torn last line (a crash mid-write)
 * is ignored on reading and redone.
 */
export class ResultsFile<T> {
  private queue: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  /** The finished records; call before appending. */
  async readAll(): Promise<T[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    // A torn last line must not swallow the next record appended after it.
    if (text !== '' && !text.endsWith('\n')) await appendFile(this.path, '\n');
    const records: T[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        records.push(JSON.parse(line) as T);
      } catch {
        // a torn line from an interrupted write: its work is simply done again
      }
    }
    return records;
  }

  /** Appends in call order, so concurrent conversations never interleave their lines. */
  append(record: T): Promise<void> {
    this.queue = this.queue.then(() => appendFile(this.path, JSON.stringify(record) + '\n'));
    return this.queue;
  }
}
