// Progress of a pull or push as data; the CLI renders it.
export type TransferEvent =
  | { type: 'resolved'; reference: string; manifestDigest: string; platform?: string }
  | { type: 'blob'; digest: string; size: number; status: 'exists' | 'mounted' | 'started' | 'done'; how?: 'monolithic' | 'chunked' | 'streamed' | 'download' }
  | { type: 'progress'; digest: string; bytes: number; size: number }
  | { type: 'warning'; message: string };

export type TransferListener = (e: TransferEvent) => void;
