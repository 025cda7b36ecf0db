// `import Strata` brings the vocabulary (Trade, Price, Timestamp, …), the schema catalog and
// the backend seam's types (Durability, TableStats, ColumnBatch, …) with it. The embedded
// engine stays behind the seam: applications that want it directly import StrataEngine.
@_exported public import StrataCore
