// Names and rules of OCI/overlayfs whiteouts (OCI image-spec layer.md).

/** `.wh.NAME` in a layer deletes NAME from the layers below */
export const WHITEOUT_PREFIX = '.wh.';
/** `DIR/.wh..wh..opq` hides everything the lower layers have in DIR */
export const OPAQUE_MARKER = '.wh..wh..opq';
/** the xattr overlayfs reads on a directory of a lower/upper layer */
export const OVERLAY_OPAQUE_XATTR = 'trusted.overlay.opaque';

/** The xattrs a layer carries: file capabilities and user attributes, never overlay's own. */
export function keepXattr(name: string): boolean {
  if (name === 'security.capability') return true;
  return name.startsWith('user.') && !name.startsWith('user.overlay.');
}

export function isOverlayOpaque(attrs: ReadonlyMap<string, Buffer>): boolean {
  const v = attrs.get(OVERLAY_OPAQUE_XATTR) ?? attrs.get('user.overlay.opaque');
  return v !== undefined && v.toString('latin1') === 'y';
}
