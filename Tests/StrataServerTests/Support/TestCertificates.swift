import Foundation
import Testing

/// A throwaway certificate authority and a server certificate for 127.0.0.1 and localhost, made
/// with the `openssl` command: what a user would make for a private deployment. Clients trust
/// `ca.pem`; the server is given `server.pem` and `server.key`. `other.key` belongs to nothing
/// (a wrong key for the configuration checks).
struct TestCertificates {
    let directory: String
    var ca: String { directory + "/ca.pem" }
    var certificate: String { directory + "/server.pem" }
    var privateKey: String { directory + "/server.key" }
    var otherKey: String { directory + "/other.key" }

    init(in directory: String) throws {
        self.directory = directory
        let extensions = directory + "/server.ext"
        try """
        basicConstraints=critical,CA:FALSE
        keyUsage=critical,digitalSignature,keyEncipherment
        extendedKeyUsage=serverAuth
        subjectAltName=IP:127.0.0.1,DNS:localhost

        """.write(toFile: extensions, atomically: true, encoding: .utf8)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        let steps: [[String]] = [
            ["req", "-x509"] + ec + [
                "-keyout", directory + "/ca.key", "-out", ca, "-days", "3", "-subj", "/CN=Strata test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ],
            ["req"] + ec + ["-keyout", privateKey, "-out", directory + "/server.csr", "-subj", "/CN=127.0.0.1"],
            [
                "x509", "-req", "-in", directory + "/server.csr", "-CA", ca, "-CAkey", directory + "/ca.key",
                "-CAcreateserial", "-out", certificate, "-days", "3", "-extfile", extensions,
            ],
            ["req"] + ec + ["-keyout", otherKey, "-out", directory + "/other.csr", "-subj", "/CN=other"],
        ]
        for step in steps {
            let result = PythonClients.runBlocking(["/usr/bin/env", "openssl"] + step)
            try #require(result.status == 0, "openssl \(step.joined(separator: " ")) failed:\n\(result.output)")
        }
    }
}
