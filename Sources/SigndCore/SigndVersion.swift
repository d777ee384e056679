/// The version of signd, as `signd --version` prints it and `stats` events carry it.
public enum SigndVersion {
    public static let string = "0.1.0"
}
