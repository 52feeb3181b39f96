//! What the mapping engine knows about attribute names: the SCIM core User, Group and
//! enterprise User schemas (RFC 7643 §4.1, §4.2, §4.3) as targets, and the Entra user and
//! group attributes as sources (CUSTOMIZE, SCIMTUT default mappings). Used to type values
//! (`active` is a boolean, `manager` a reference) and by the lint for did-you-mean.

/// Core User schema URN.
pub const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// Core Group schema URN.
pub const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// Enterprise User extension URN.
pub const ENTERPRISE_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// The type of a target attribute, as far as writing a value is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text (also dates and numbers written as text).
    String,
    /// JSON boolean: `"True"`/`"False"` results are converted.
    Boolean,
    /// A reference to another resource: carries its id (`{"value": id}`).
    Reference,
    /// A complex attribute with sub-attributes.
    Complex,
}

/// One attribute (or sub-attribute) of a target schema.
#[derive(Debug, Clone, Copy)]
pub struct Attr {
    /// Canonical spelling.
    pub name: &'static str,
    /// Type.
    pub kind: Kind,
    /// Multi-valued.
    pub multi: bool,
    /// Sub-attributes of a complex attribute.
    pub subs: &'static [Attr],
}

const fn s(name: &'static str) -> Attr {
    Attr {
        name,
        kind: Kind::String,
        multi: false,
        subs: &[],
    }
}
const fn b(name: &'static str) -> Attr {
    Attr {
        name,
        kind: Kind::Boolean,
        multi: false,
        subs: &[],
    }
}
const fn c(name: &'static str, multi: bool, subs: &'static [Attr]) -> Attr {
    Attr {
        name,
        kind: Kind::Complex,
        multi,
        subs,
    }
}

const MULTI: &[Attr] = &[s("value"), s("display"), s("type"), b("primary"), s("$ref")];
const NAME: &[Attr] = &[
    s("formatted"),
    s("familyName"),
    s("givenName"),
    s("middleName"),
    s("honorificPrefix"),
    s("honorificSuffix"),
];
const ADDRESS: &[Attr] = &[
    s("formatted"),
    s("streetAddress"),
    s("locality"),
    s("region"),
    s("postalCode"),
    s("country"),
    s("type"),
    b("primary"),
];
const REFERENCE: &[Attr] = &[s("value"), s("$ref"), s("displayName"), s("display")];

const COMMON: &[Attr] = &[s("id"), s("externalId"), c("meta", false, &[])];

/// RFC 7643 §4.1.
pub const USER: &[Attr] = &[
    s("userName"),
    c("name", false, NAME),
    s("displayName"),
    s("nickName"),
    s("profileUrl"),
    s("title"),
    s("userType"),
    s("preferredLanguage"),
    s("locale"),
    s("timezone"),
    b("active"),
    s("password"),
    c("emails", true, MULTI),
    c("phoneNumbers", true, MULTI),
    c("ims", true, MULTI),
    c("photos", true, MULTI),
    c("addresses", true, ADDRESS),
    c("groups", true, MULTI),
    c("entitlements", true, MULTI),
    c("roles", true, MULTI),
    c("x509Certificates", true, MULTI),
];

/// RFC 7643 §4.3.
pub const ENTERPRISE: &[Attr] = &[
    s("employeeNumber"),
    s("costCenter"),
    s("organization"),
    s("division"),
    s("department"),
    Attr {
        name: "manager",
        kind: Kind::Reference,
        multi: false,
        subs: REFERENCE,
    },
];

/// RFC 7643 §4.2.
pub const GROUP: &[Attr] = &[
    s("displayName"),
    Attr {
        name: "members",
        kind: Kind::Reference,
        multi: true,
        subs: MULTI,
    },
];

/// The attributes a target resource type has for a schema URN (`None` = core schema of
/// the resource type). `None` when the schema is not one we know (custom extensions).
pub fn attributes(resource: &str, urn: Option<&str>) -> Option<Vec<&'static Attr>> {
    let is_group = resource.eq_ignore_ascii_case("Group");
    let base: &[Attr] = match urn {
        None => {
            if is_group {
                GROUP
            } else {
                USER
            }
        }
        Some(u) if u.eq_ignore_ascii_case(ENTERPRISE_URN) && !is_group => ENTERPRISE,
        Some(u) if u.eq_ignore_ascii_case(USER_URN) && !is_group => USER,
        Some(u) if u.eq_ignore_ascii_case(GROUP_URN) && is_group => GROUP,
        Some(_) => return None,
    };
    let mut out: Vec<&'static Attr> = base.iter().collect();
    if urn.is_none() || urn.is_some_and(|u| u.eq_ignore_ascii_case(USER_URN)) || is_group {
        out.extend(COMMON.iter());
    }
    Some(out)
}

/// Finds an attribute by name, case-insensitively (RFC 7643 §2.1).
pub fn find<'a>(attrs: &[&'a Attr], name: &str) -> Option<&'a Attr> {
    attrs
        .iter()
        .copied()
        .find(|a| a.name.eq_ignore_ascii_case(name))
}

/// Finds a sub-attribute by name, case-insensitively.
pub fn find_sub(attr: &Attr, name: &str) -> Option<&'static Attr> {
    attr.subs.iter().find(|a| a.name.eq_ignore_ascii_case(name))
}

/// Source attributes of an Entra user available to provisioning (CUSTOMIZE; the
/// "Azure Active Directory" directory of a gallery app's schema). Directory extensions
/// (`extension_<appId>_<name>`) are accepted separately.
pub const ENTRA_USER: &[&str] = &[
    "accountEnabled",
    "appRoleAssignments",
    "city",
    "companyName",
    "country",
    "department",
    "dirSyncEnabled",
    "displayName",
    "employeeHireDate",
    "employeeId",
    "employeeLeaveDateTime",
    "employeeOrgData.costCenter",
    "employeeOrgData.division",
    "employeeType",
    "extensionAttribute1",
    "extensionAttribute2",
    "extensionAttribute3",
    "extensionAttribute4",
    "extensionAttribute5",
    "extensionAttribute6",
    "extensionAttribute7",
    "extensionAttribute8",
    "extensionAttribute9",
    "extensionAttribute10",
    "extensionAttribute11",
    "extensionAttribute12",
    "extensionAttribute13",
    "extensionAttribute14",
    "extensionAttribute15",
    "facsimileTelephoneNumber",
    "givenName",
    "immutableId",
    "IsSoftDeleted",
    "jobTitle",
    "mail",
    "mailNickname",
    "manager",
    "mobile",
    "objectId",
    "onPremisesDistinguishedName",
    "onPremisesDomainName",
    "onPremisesSamAccountName",
    "onPremisesSecurityIdentifier",
    "onPremisesUserPrincipalName",
    "otherMails",
    "passwordProfile.password",
    "physicalDeliveryOfficeName",
    "postalCode",
    "preferredLanguage",
    "proxyAddresses",
    "signInSessionsValidFromDateTime",
    "sipProxyAddress",
    "state",
    "streetAddress",
    "surname",
    "telephoneNumber",
    "usageLocation",
    "userPrincipalName",
    "userType",
];

/// Source attributes of an Entra group.
pub const ENTRA_GROUP: &[&str] = &[
    "appRoleAssignments",
    "description",
    "dirSyncEnabled",
    "displayName",
    "IsSoftDeleted",
    "mail",
    "mailEnabled",
    "mailNickname",
    "members",
    "objectId",
    "onPremisesSecurityIdentifier",
    "proxyAddresses",
    "securityEnabled",
];
