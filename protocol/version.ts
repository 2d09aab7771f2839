/** Version of the wire protocol. A client and a server with different versions refuse each other at hello. */
export const PROTOCOL_VERSION = 1;

/** Version of the queuectl product, reported by `hello` and `--version`. */
export const PRODUCT_VERSION = '0.1.0';
