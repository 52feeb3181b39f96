//! Conversion to and from Graph's `attributeMappingSource` tree (placeholder).
