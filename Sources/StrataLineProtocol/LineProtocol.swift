/// InfluxDB line protocol (ILP) parsing for Strata's server. See the module's design notes.
public enum LineProtocol {}
