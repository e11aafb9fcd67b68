// Progress of a pull or push as data; the CLI renders it.
export type TransferEvent =
  | { type: 'resolved'; reference: string; manifestDigest: string; platform?: string }
  | {
      type: 'blob';
      digest: string;
      /** 0 while unknown (a layer being compressed as it uploads) */
      size: number;
      status: 'exists' | 'mounted' | 'started' | 'done';
      how?: 'monolithic' | 'chunked' | 'streamed' | 'download';
      /** on 'done': the name the blob's 'started' and 'progress' events used while its digest was unknown */
      label?: string;
    }
  | { type: 'progress'; digest: string; bytes: number; size: number }
  | { type: 'warning'; message: string };

export type TransferListener = (e: TransferEvent) => void;
