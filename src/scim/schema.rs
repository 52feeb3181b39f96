//! Attribute characteristics (RFC 7643 §2.2, §7) for the core User and Group schemas
//! (RFC 7643 §4.1, §4.2), the Enterprise User extension (§4.3), and registered extensions.

/// Schema URN of the core User resource (RFC 7643 §4.1).
pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// Schema URN of the core Group resource (RFC 7643 §4.2).
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// Schema URN of the Enterprise User extension (RFC 7643 §4.3).
pub const ENTERPRISE_USER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// RFC 7643 §2.3 data types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    /// `string`.
    String,
    /// `boolean`.
    Boolean,
    /// `decimal`.
    Decimal,
    /// `integer`.
    Integer,
    /// `dateTime` (xsd:dateTime, compared chronologically).
    DateTime,
    /// `binary` (base64).
    Binary,
    /// `reference`.
    Reference,
    /// `complex`.
    Complex,
}

/// RFC 7643 §7 `mutability`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    /// Never modified by clients.
    ReadOnly,
    /// Modifiable.
    ReadWrite,
    /// Set once when unassigned, then fixed.
    Immutable,
    /// Written but never returned.
    WriteOnly,
}

/// RFC 7643 §7 `returned`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    /// Always returned, even when excluded.
    Always,
    /// Never returned.
    Never,
    /// Returned unless excluded.
    Default,
    /// Returned only when requested by `attributes`.
    Request,
}

/// RFC 7643 §7 `uniqueness`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uniqueness {
    /// No uniqueness.
    None,
    /// Unique within the server.
    Server,
    /// Globally unique.
    Global,
}

/// One attribute's definition and characteristics.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeDef {
    /// Name as defined (comparison is case-insensitive).
    pub name: String,
    /// Data type.
    pub ty: AttrType,
    /// Whether the value is an array.
    pub multi_valued: bool,
    /// Whether string comparison is case-sensitive.
    pub case_exact: bool,
    /// Whether the attribute is required.
    pub required: bool,
    /// Mutability.
    pub mutability: Mutability,
    /// Returned.
    pub returned: Returned,
    /// Uniqueness.
    pub uniqueness: Uniqueness,
    /// Sub-attributes of a complex attribute.
    pub sub_attributes: Vec<AttributeDef>,
    /// `referenceTypes` of a reference attribute (RFC 7643 §7): the resource types
    /// (`User`, `Group`) or `external`/`uri` it may point to.
    pub reference_types: Vec<String>,
}

impl AttributeDef {
    /// A string attribute with RFC 7643 §2.2 defaults (`caseExact` false, readWrite,
    /// returned default, uniqueness none, not required).
    pub fn new(name: &str, ty: AttrType) -> Self {
        AttributeDef {
            name: name.to_string(),
            ty,
            multi_valued: false,
            case_exact: false,
            required: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            sub_attributes: Vec::new(),
            reference_types: Vec::new(),
        }
    }

    /// Marks the attribute multi-valued.
    pub fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }

    /// Marks string comparison case-sensitive.
    pub fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }

    /// Marks the attribute required.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Sets mutability.
    pub fn mutability(mut self, m: Mutability) -> Self {
        self.mutability = m;
        self
    }

    /// Sets `returned`.
    pub fn returned(mut self, r: Returned) -> Self {
        self.returned = r;
        self
    }

    /// Sets uniqueness.
    pub fn uniqueness(mut self, u: Uniqueness) -> Self {
        self.uniqueness = u;
        self
    }

    /// Sets sub-attributes (makes sense for complex attributes).
    pub fn subs(mut self, subs: Vec<AttributeDef>) -> Self {
        self.sub_attributes = subs;
        self
    }

    /// Sets `referenceTypes`.
    pub fn refers_to(mut self, types: &[&str]) -> Self {
        self.reference_types = types.iter().map(|t| t.to_string()).collect();
        self
    }

    /// Whether this complex attribute points at another resource of the service provider
    /// (its `$ref` has a resource type among its `referenceTypes`), like `manager` and
    /// `members`.
    pub fn refers_to_resource(&self) -> bool {
        self.sub("$ref").is_some_and(|r| {
            r.reference_types
                .iter()
                .any(|t| t.eq_ignore_ascii_case("User") || t.eq_ignore_ascii_case("Group"))
        })
    }

    /// A sub-attribute by name, case-insensitively.
    pub fn sub(&self, name: &str) -> Option<&AttributeDef> {
        self.sub_attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }
}

/// A schema: URN plus attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// Schema URN (`id` in RFC 7643 §7).
    pub id: String,
    /// Human name.
    pub name: String,
    /// Top-level attributes.
    pub attributes: Vec<AttributeDef>,
}

impl Schema {
    /// An attribute by name, case-insensitively.
    pub fn attribute(&self, name: &str) -> Option<&AttributeDef> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }
}

/// Schemas known to filter evaluation and PATCH: the built-in core schemas plus any
/// registered extensions. Lookups are case-insensitive (RFC 7644 §3.10).
#[derive(Debug, Clone, PartialEq)]
pub struct Schemas {
    schemas: Vec<Schema>,
    /// Attributes common to every resource (RFC 7643 §3.1): `id`, `externalId`, `meta`.
    common: Vec<AttributeDef>,
}

impl Default for Schemas {
    fn default() -> Self {
        Schemas::core()
    }
}

use AttrType as T;
use Mutability as M;

fn multi_valued_subs(value: AttributeDef) -> Vec<AttributeDef> {
    // RFC 7643 §2.4 default sub-attributes of multi-valued attributes.
    vec![
        value,
        AttributeDef::new("display", T::String),
        AttributeDef::new("type", T::String),
        AttributeDef::new("primary", T::Boolean),
        AttributeDef::new("$ref", T::Reference),
    ]
}

fn mv(name: &str, value_ty: AttrType) -> AttributeDef {
    AttributeDef::new(name, T::Complex)
        .multi()
        .subs(multi_valued_subs(AttributeDef::new("value", value_ty)))
}

fn user_schema() -> Schema {
    let name = AttributeDef::new("name", T::Complex).subs(
        [
            "formatted",
            "familyName",
            "givenName",
            "middleName",
            "honorificPrefix",
            "honorificSuffix",
        ]
        .iter()
        .map(|n| AttributeDef::new(n, T::String))
        .collect(),
    );
    let mut addresses = AttributeDef::new("addresses", T::Complex).multi().subs(
        [
            "formatted",
            "streetAddress",
            "locality",
            "region",
            "postalCode",
            "country",
            "type",
        ]
        .iter()
        .map(|n| AttributeDef::new(n, T::String))
        .collect(),
    );
    addresses
        .sub_attributes
        .push(AttributeDef::new("primary", T::Boolean));
    let ro_mv = |n: &str| {
        let mut a = mv(n, T::String).mutability(M::ReadOnly);
        for s in &mut a.sub_attributes {
            s.mutability = M::ReadOnly;
            if s.name == "$ref" {
                s.reference_types = vec!["User".into(), "Group".into()];
            }
        }
        a
    };
    let mut x509 = mv("x509Certificates", T::Binary);
    if let Some(v) = x509.sub_attributes.first_mut() {
        v.case_exact = true;
    }
    Schema {
        id: USER.to_string(),
        name: "User".to_string(),
        attributes: vec![
            AttributeDef::new("userName", T::String)
                .required()
                .uniqueness(Uniqueness::Server),
            name,
            AttributeDef::new("displayName", T::String),
            AttributeDef::new("nickName", T::String),
            AttributeDef::new("profileUrl", T::Reference),
            AttributeDef::new("title", T::String),
            AttributeDef::new("userType", T::String),
            AttributeDef::new("preferredLanguage", T::String),
            AttributeDef::new("locale", T::String),
            AttributeDef::new("timezone", T::String),
            AttributeDef::new("active", T::Boolean),
            AttributeDef::new("password", T::String)
                .mutability(M::WriteOnly)
                .returned(Returned::Never),
            mv("emails", T::String),
            mv("phoneNumbers", T::String),
            mv("ims", T::String),
            mv("photos", T::Reference),
            addresses,
            ro_mv("groups"),
            mv("entitlements", T::String),
            mv("roles", T::String),
            x509,
        ],
    }
}

fn group_schema() -> Schema {
    let members = AttributeDef::new("members", T::Complex).multi().subs(vec![
        AttributeDef::new("value", T::String).mutability(M::Immutable),
        AttributeDef::new("$ref", T::Reference)
            .mutability(M::Immutable)
            .refers_to(&["User", "Group"]),
        AttributeDef::new("display", T::String).mutability(M::Immutable),
        AttributeDef::new("type", T::String).mutability(M::Immutable),
    ]);
    Schema {
        id: GROUP.to_string(),
        name: "Group".to_string(),
        attributes: vec![
            AttributeDef::new("displayName", T::String).required(),
            members,
        ],
    }
}

fn enterprise_schema() -> Schema {
    let manager = AttributeDef::new("manager", T::Complex).subs(vec![
        AttributeDef::new("value", T::String),
        AttributeDef::new("$ref", T::Reference).refers_to(&["User"]),
        AttributeDef::new("displayName", T::String).mutability(M::ReadOnly),
    ]);
    Schema {
        id: ENTERPRISE_USER.to_string(),
        name: "EnterpriseUser".to_string(),
        attributes: vec![
            AttributeDef::new("employeeNumber", T::String),
            AttributeDef::new("costCenter", T::String),
            AttributeDef::new("organization", T::String),
            AttributeDef::new("division", T::String),
            AttributeDef::new("department", T::String),
            manager,
        ],
    }
}

fn common_attributes() -> Vec<AttributeDef> {
    let meta = AttributeDef::new("meta", T::Complex)
        .mutability(M::ReadOnly)
        .subs(vec![
            AttributeDef::new("resourceType", T::String)
                .case_exact()
                .mutability(M::ReadOnly),
            AttributeDef::new("created", T::DateTime).mutability(M::ReadOnly),
            AttributeDef::new("lastModified", T::DateTime).mutability(M::ReadOnly),
            AttributeDef::new("location", T::Reference)
                .case_exact()
                .mutability(M::ReadOnly),
            AttributeDef::new("version", T::String)
                .case_exact()
                .mutability(M::ReadOnly),
        ]);
    vec![
        AttributeDef::new("id", T::String)
            .case_exact()
            .mutability(M::ReadOnly)
            .returned(Returned::Always)
            .uniqueness(Uniqueness::Server),
        AttributeDef::new("externalId", T::String).case_exact(),
        meta,
        // `schemas` is returned always (RFC 7643 §3); its values are URIs, compared
        // case-insensitively like every URN facet (RFC 7644 §3.10).
        AttributeDef::new("schemas", T::Reference)
            .multi()
            .returned(Returned::Always),
    ]
}

/// Where an attribute definition came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Origin<'a> {
    /// `id`, `externalId`, `meta`, `schemas`.
    Common,
    /// A core resource schema (stored at the top level of the resource).
    Core(&'a Schema),
    /// An extension schema (stored under its URN key).
    Extension(&'a Schema),
}

impl Schemas {
    /// The built-in core User, Group and Enterprise User schemas.
    pub fn core() -> Self {
        Schemas {
            schemas: vec![user_schema(), group_schema(), enterprise_schema()],
            common: common_attributes(),
        }
    }

    /// The built-in schemas, built once per process: building them allocates every
    /// attribute definition, which costs more than a small PATCH.
    pub fn shared_core() -> &'static Schemas {
        static CORE: std::sync::OnceLock<Schemas> = std::sync::OnceLock::new();
        CORE.get_or_init(Schemas::core)
    }

    /// No schemas at all: every attribute gets RFC 7643 §2.2 defaults.
    pub fn empty() -> Self {
        Schemas {
            schemas: Vec::new(),
            common: Vec::new(),
        }
    }

    /// Registers (or replaces, by URN) an extension or resource schema.
    pub fn register(&mut self, schema: Schema) {
        self.schemas
            .retain(|s| !s.id.eq_ignore_ascii_case(&schema.id));
        self.schemas.push(schema);
    }

    /// A schema by URN, case-insensitively.
    pub fn schema(&self, urn: &str) -> Option<&Schema> {
        self.schemas.iter().find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// Whether `urn` names a core resource schema (whose attributes sit at the top level).
    pub fn is_core(&self, urn: &str) -> bool {
        urn.eq_ignore_ascii_case(USER) || urn.eq_ignore_ascii_case(GROUP)
    }

    /// The attributes common to every resource (`id`, `externalId`, `meta`, `schemas`).
    pub fn common(&self) -> &[AttributeDef] {
        &self.common
    }

    /// All schemas.
    pub fn iter(&self) -> impl Iterator<Item = &Schema> {
        self.schemas.iter()
    }

    /// The definition of a top-level attribute, given its (optional) URN qualifier.
    /// Without a URN, common attributes and core schemas are searched, then extensions.
    pub fn attribute(&self, uri: Option<&str>, name: &str) -> Option<(&AttributeDef, Origin<'_>)> {
        if let Some(uri) = uri {
            let schema = self.schema(uri)?;
            let def = schema.attribute(name).or_else(|| {
                self.common
                    .iter()
                    .find(|a| a.name.eq_ignore_ascii_case(name))
            })?;
            let origin = if self.is_core(&schema.id) {
                Origin::Core(schema)
            } else {
                Origin::Extension(schema)
            };
            return Some((def, origin));
        }
        if let Some(def) = self
            .common
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
        {
            return Some((def, Origin::Common));
        }
        for s in self.schemas.iter().filter(|s| self.is_core(&s.id)) {
            if let Some(def) = s.attribute(name) {
                return Some((def, Origin::Core(s)));
            }
        }
        None
    }

    /// Finds the schema whose URN is a prefix of `path` (case-insensitive), longest first,
    /// and returns it with the rest of the path after the `:` (RFC 7644 §3.10; the `.`
    /// in `2.0` belongs to the URN, so splitting at the first `.` would be wrong).
    pub fn split_urn<'p>(&self, path: &'p str) -> Option<(&Schema, &'p str)> {
        let mut best: Option<(&Schema, &'p str)> = None;
        for s in &self.schemas {
            let n = s.id.len();
            let head = path.get(..n);
            let sep = path.get(n..n + 1);
            if head.is_some_and(|h| h.eq_ignore_ascii_case(&s.id)) && sep == Some(":") {
                let rest = path.get(n + 1..).unwrap_or("");
                if best.map_or(true, |(b, _)| b.id.len() < n) {
                    best = Some((s, rest));
                }
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn lookups_are_case_insensitive() {
        let s = Schemas::core();
        let (d, _) = s.attribute(None, "USERNAME").unwrap();
        assert!(!d.case_exact);
        let (d, o) = s
            .attribute(
                Some("URN:ietf:params:scim:schemas:extension:enterprise:2.0:user"),
                "Department",
            )
            .unwrap();
        assert_eq!(d.name, "department");
        assert!(matches!(o, Origin::Extension(_)));
        let (schema, rest) = s
            .split_urn("urn:ietf:params:scim:schemas:extension:ENTERPRISE:2.0:User:manager.value")
            .unwrap();
        assert_eq!(schema.id, ENTERPRISE_USER);
        assert_eq!(rest, "manager.value");
    }
}
