import Strata

extension ServerConfiguration {
    /// Checks the `ilp.tcp` settings.
    /// - Throws: ``ConfigurationError`` naming the key.
    func validateILPTCP() throws(ConfigurationError) {
        guard (0...65535).contains(ilpTCP.port) else {
            throw ConfigurationError(key: "ilp.tcp.port", message: "must be 0...65535, got \(ilpTCP.port)")
        }
        if let host = ilpTCP.host, host.isEmpty {
            throw ConfigurationError(key: "ilp.tcp.host", message: "must not be empty (leave it out to use http.host)")
        }
        var kids: Set<String> = []
        for key in ilpTCP.keys {
            guard !key.kid.isEmpty, !key.kid.contains(where: { $0.isNewline || $0 == "\r" }) else {
                throw ConfigurationError(key: "ilp.tcp.keys", message: "a kid must be non-empty and on one line")
            }
            guard kids.insert(key.kid).inserted else {
                throw ConfigurationError(key: "ilp.tcp.keys", message: "kid '\(key.kid)' is configured twice")
            }
            _ = try key.publicKey()
        }
        if ilpTCP.enabled == true, !auth.disabled, ilpTCP.keys.isEmpty {
            throw ConfigurationError(
                key: "ilp.tcp.enabled",
                message: "ILP over TCP is enabled with auth on but without keys: configure client public keys "
                    + "(ilp.tcp.keys, STRATA_ILP_TCP_KEYS=kid:x:y) or turn auth off explicitly (auth.disabled)")
        }
    }

    /// Applies the `ilp.tcp` object of the configuration file.
    mutating func applyILPTCP(json value: JSONValue) throws(ConfigurationError) {
        try JSONReader(prefix: "ilp.tcp.").object(value) { (key, value) throws(ConfigurationError) in
            switch key {
            case "enabled": ilpTCP.enabled = try JSONReader.bool(value, key: "ilp.tcp.enabled")
            case "host": ilpTCP.host = try JSONReader.string(value, key: "ilp.tcp.host")
            case "port": ilpTCP.port = try JSONReader.int(value, key: "ilp.tcp.port")
            case "keys":
                guard case .array(let items) = value else {
                    throw ConfigurationError(
                        key: "ilp.tcp.keys",
                        message: "expected an array of {\"kid\", \"x\", \"y\"}, got \(value.typeName)")
                }
                ilpTCP.keys = try items.map { (item) throws(ConfigurationError) -> ILPTCPKey in
                    var fields: [String: String] = [:]
                    try JSONReader(prefix: "ilp.tcp.keys.").object(item) { (name, value) throws(ConfigurationError) in
                        guard ["kid", "x", "y"].contains(name) else { throw JSONReader.unknown("ilp.tcp.keys." + name) }
                        fields[name] = try JSONReader.string(value, key: "ilp.tcp.keys." + name)
                    }
                    guard let kid = fields["kid"], let x = fields["x"], let y = fields["y"] else {
                        throw ConfigurationError(
                            key: "ilp.tcp.keys", message: "each key needs \"kid\", \"x\" and \"y\"")
                    }
                    return ILPTCPKey(kid: kid, x: x, y: y)
                }
            default:
                guard try applyLimit(key: "ilp.tcp." + key, value: value) else {
                    throw JSONReader.unknown("ilp.tcp." + key)
                }
            }
        }
    }

    /// `STRATA_ILP_TCP_KEYS`: `kid:x:y` entries separated by commas (x and y base64url, so
    /// neither holds `:` or `,`).
    static func ilpTCPKeys(_ text: String, key: String) throws(ConfigurationError) -> [ILPTCPKey] {
        try list(text).map { (entry) throws(ConfigurationError) -> ILPTCPKey in
            let parts = entry.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3 else {
                throw ConfigurationError(key: key, message: "expected kid:x:y[,kid:x:y…], got '\(entry)'")
            }
            return ILPTCPKey(kid: parts[0], x: parts[1], y: parts[2])
        }
    }
}
