import RatifyCore

/// A keyring file as read from disk: a plaintext KeyFile (the `test` backend, or a keyring
/// from before encryption) or an EncryptedKeyFile, told apart by the latter's "format" field.
enum StoredKey {
    case plaintext(KeyPair)
    case encrypted(EncryptedKeyFile)

    var publicKey: PublicKey {
        switch self {
        case .plaintext(let pair): pair.publicKey
        case .encrypted(let sealed): sealed.publicKey
        }
    }

    var isEncrypted: Bool {
        if case .encrypted = self { return true }
        return false
    }

    static func read(from path: String) throws(FileFormatError) -> StoredKey {
        let bytes = try FileIO.read(path, maxBytes: KeyFile.fileBytesMax)
        let value = try JSONParser.parse(bytes, file: path)
        if EncryptedKeyFile.isEncrypted(value) {
            return .encrypted(try EncryptedKeyFile.decode(JSONField(value, file: path)))
        }
        return .plaintext(try KeyFile.decode(bytes, file: path))
    }
}
