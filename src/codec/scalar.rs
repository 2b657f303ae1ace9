//! Simple values: XSD lexical forms <-> JSON scalars, and facet checks.
