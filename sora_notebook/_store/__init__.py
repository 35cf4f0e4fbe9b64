"""Private helpers of the library: schema, records, atomic files."""
