export { writeLayer, writeLayerFile, layerDigest, layerStream, type WriteLayerOptions, type LayerDigest } from './write.js';
export { extractLayer, type ExtractOptions, type ExtractResult, type WhiteoutMode } from './extract.js';
export { decompress, detectCompression, gzipDeterministic, type Compression } from './compress.js';
export { ensureUnpacked, applyLayers, type LayerStore, type LayerRef } from './unpack.js';
export { readTar, type TarReadEntry } from './tar-reader.js';
export { encodeTar, type TarEntryMeta } from './tar-format.js';
export { OPAQUE_MARKER, WHITEOUT_PREFIX, OVERLAY_OPAQUE_XATTR } from './whiteout.js';
