import { perInstance } from '@qdn/shared/per-instance';
import type { PhotoCheckContext } from '../domain/ports.ts';
import { imageTools } from './image-tools.ts';
import { mediaContext } from './media-context.ts';

// Apart from media-context.ts so that only the photo consumer loads sharp (a native module) at cold start.

/** The photo consumer's dependencies: the routes' plus the image library. */
export const photoCheckContext = /* @__PURE__ */ perInstance(
  (): PhotoCheckContext => ({ ...mediaContext(), images: imageTools }),
);
