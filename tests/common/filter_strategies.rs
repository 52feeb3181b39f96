//! Proptest strategies shared by the filter property suites.
use proptest::prelude::*;
use scimmap::scim::Filter;
use scimmap::Span;

/// `and`/`or` of two or three `inner` filters, or `not` of one.
pub fn logical(inner: BoxedStrategy<Filter>) -> BoxedStrategy<Filter> {
    prop_oneof![
        prop::collection::vec(inner.clone(), 2..4).prop_map(|operands| Filter::And {
            operands,
            span: Span::default()
        }),
        prop::collection::vec(inner.clone(), 2..4).prop_map(|operands| Filter::Or {
            operands,
            span: Span::default()
        }),
        inner.prop_map(|f| Filter::Not {
            inner: Box::new(f),
            span: Span::default()
        }),
    ]
    .boxed()
}
