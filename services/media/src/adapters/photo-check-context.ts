import type { PhotoCheckContext } from '../domain/ports.ts';
import { imageTools } from './image-tools.ts';
import { mediaContext } from './media-context.ts';

// Apart from media-context.ts so that only the photo consumer loads sharp (a native module) at cold start.
let context: PhotoCheckContext | undefined;

/** The photo consumer's dependencies: the routes' plus the image library. */
export function photoCheckContext(): PhotoCheckContext {
  context ??= {
    ...mediaContext(),
    images: imageTools,
  };
  return context;
}
