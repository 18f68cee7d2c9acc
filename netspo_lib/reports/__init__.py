"""Reports and performance analytics: metrics as the reference system defines them, one
module per report family, print-ready Excel."""
