// Types for the parts of node-forge 1.4 that pkcs12.ts uses. node-forge ships no types, and
// @types/node-forge describes only the package root, while we import single modules of
// `node-forge/lib` so that the bundle leaves out forge's TLS, SSH and HTTP code.

declare module 'node-forge/lib/forge' {
  namespace forge {
    interface ByteStringBuffer {
      getBytes(): string;
    }

    namespace asn1 {
      /** A decoded ASN.1 value; forge keeps its fields untyped. */
      interface Asn1 {
        tagClass: number;
        type: number;
        constructed: boolean;
        value: Asn1[] | string;
      }

      function fromDer(
        bytes: string,
        options?: { strict?: boolean; parseAllBytes?: boolean; decodeBitStrings?: boolean },
      ): Asn1;
      function toDer(value: Asn1): ByteStringBuffer;
      function oidToDer(oid: string): ByteStringBuffer;
    }

    namespace pki {
      /** forge's parsed certificate; only RSA certificates are parsed into one. */
      type Certificate = object;
      /** forge's RSA private key. */
      type PrivateKey = object;

      const oids: Record<string, string>;
      function certificateToAsn1(certificate: Certificate): asn1.Asn1;
      function privateKeyToAsn1(key: PrivateKey): asn1.Asn1;
      function wrapRsaPrivateKey(rsaKey: asn1.Asn1): asn1.Asn1;
    }

    namespace pkcs12 {
      interface Bag {
        /** OID of the bag type, as a dotted string. */
        type: string;
        attributes: Record<string, string[] | undefined>;
        /** Set for a certificate bag when forge could parse the certificate (RSA only). */
        cert?: pki.Certificate | null;
        /** Set for a key bag when forge could parse the key (RSA only). */
        key?: pki.PrivateKey | null;
        /** The certificate or PrivateKeyInfo that forge could not parse itself. */
        asn1?: asn1.Asn1;
      }

      interface SafeContents {
        encrypted: boolean;
        safeBags: Bag[];
      }

      interface Pkcs12Pfx {
        version: string;
        safeContents: SafeContents[];
      }

      function pkcs12FromAsn1(value: asn1.Asn1, strict: boolean, password: string): Pkcs12Pfx;
    }
  }

  export = forge;
}

declare module 'node-forge/lib/pkcs12';
declare module 'node-forge/lib/sha512';
