public import NIOSSL
public import Strata

extension ServerConfiguration {
    /// The listeners' TLS configuration (``TLS``), or `nil` when TLS is off (see ``loadTLS()``).
    /// - Throws: ``ConfigurationError`` naming `tls.certificate` or `tls.privateKey`.
    public func tlsConfiguration() throws(ConfigurationError) -> TLSConfiguration? {
        try loadTLS()?.configuration
    }

    /// Reads the certificate chain and the key and builds a TLS context from them, so a missing
    /// file, a file that is not PEM, or a key that does not belong to the certificate stops
    /// start-up naming the key. HTTP takes the configuration (Hummingbird builds its own
    /// context), ILP over TCP the context.
    /// - Throws: ``ConfigurationError`` naming `tls.certificate` or `tls.privateKey`.
    func loadTLS() throws(ConfigurationError) -> (configuration: TLSConfiguration, context: NIOSSLContext)? {
        switch (tls.certificate, tls.privateKey) {
        case (nil, nil):
            return nil
        case (.some, nil):
            throw ConfigurationError(
                key: "tls.privateKey", message: "required with tls.certificate (STRATA_TLS_PRIVATE_KEY)")
        case (nil, .some):
            throw ConfigurationError(
                key: "tls.certificate", message: "required with tls.privateKey (STRATA_TLS_CERTIFICATE)")
        case (.some(let certificatePath), .some(let keyPath)):
            let chain: [NIOSSLCertificate]
            do {
                chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
            } catch {
                throw ConfigurationError(
                    key: "tls.certificate", message: "cannot read a PEM certificate from '\(certificatePath)': \(error)"
                )
            }
            guard !chain.isEmpty else {
                throw ConfigurationError(key: "tls.certificate", message: "no certificate in '\(certificatePath)'")
            }
            let key: NIOSSLPrivateKey
            do {
                key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
            } catch {
                throw ConfigurationError(
                    key: "tls.privateKey", message: "cannot read a PEM private key from '\(keyPath)': \(error)")
            }
            let configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            do {
                return (configuration, try NIOSSLContext(configuration: configuration))
            } catch NIOSSLError.failedToLoadPrivateKey {
                throw ConfigurationError(
                    key: "tls.privateKey",
                    message: "the key in '\(keyPath)' does not belong to the certificate in '\(certificatePath)'")
            } catch {
                throw ConfigurationError(
                    key: "tls.certificate", message: "cannot use the certificate and key: \(error)")
            }
        }
    }
}
