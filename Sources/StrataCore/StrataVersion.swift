/// Which Strata this is: the release, and the on-disk formats it reads and writes.
///
/// The release follows semantic versioning; it changes with a release, not with every commit.
/// `strata --version`, the server's `Server` header and `/health` report it, so an operator
/// can tell which build answered.
public enum StrataVersion {
    /// The release of this build.
    public static let release = "0.9.0"

    /// `Strata/0.9.0`: the server's `Server` header.
    public static var product: String { "Strata/\(release)" }
}
