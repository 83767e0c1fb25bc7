// Files chosen in an <input type=file> as the API's file objects
// ({filename, content_type, content_base64}), read with FileReader.
import type { FileUpload } from './types';

/** intake's limit, as for e-mail: 25 MiB per message. */
export const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;

export class FileReadError extends Error {
  constructor(readonly filename: string) {
    super(`cannot read ${filename}`);
  }
}

export function totalSize(files: ArrayLike<File>): number {
  let n = 0;
  for (let i = 0; i < files.length; i++) n += files[i].size;
  return n;
}

function readOne(file: File): Promise<FileUpload> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onerror = () => reject(new FileReadError(file.name));
    reader.onload = () => {
      const url = String(reader.result ?? '');
      const comma = url.indexOf(',');
      resolve({
        filename: file.name,
        content_type: file.type || 'application/octet-stream',
        content_base64: comma >= 0 ? url.slice(comma + 1) : '',
      });
    };
    reader.readAsDataURL(file);
  });
}

export function readFiles(files: ArrayLike<File> | null | undefined): Promise<FileUpload[]> {
  if (!files) return Promise.resolve([]);
  return Promise.all(Array.from(files, readOne));
}
