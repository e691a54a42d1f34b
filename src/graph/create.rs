//! The `createUploadSession` request bodies of the variants, as the Microsoft Graph pages
//! "driveItem: createUploadSession", "attachment: createUploadSession" (Outlook),
//! "printDocument: createUploadSession" (Universal Print) and "taskFileAttachment:
//! createUploadSession" (To Do) define them in their "Request body" sections.

use alloc::borrow::Cow;

use serde::de::{self, MapAccess};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::datetime::DateTimeOffset;
use super::json::{self, BoolSeed, Ctx, DateSeed, Object, ObjectSeed, StrSeed, U64Seed};
use crate::error::JsonErrorKind;

/// The body of `POST …/createUploadSession`, one shape per variant:
///
/// | variant | JSON |
/// |---|---|
/// | driveItem | `{"item":{…},"deferCommit":true}` (both optional; `{}` is a driveItem body) |
/// | Outlook attachment | `{"AttachmentItem":{"attachmentType","name","size",…}}` |
/// | To Do attachment | `{"attachmentInfo":{"attachmentType","name","size"}}` |
/// | Print document | `{"properties":{"documentName","contentType","size"}}` |
///
/// Members match ASCII case-insensitively (the docs write `AttachmentItem`, the Kiota SDKs
/// `attachmentItem`, and the service takes both). A body with members of two variants is
/// refused ([`JsonErrorKind::Shape`]).
///
/// ```
/// use bits_codec::{Decode, Encode};
/// use bits_codec::graph::{AttachmentItem, AttachmentType, CreateSessionBody};
/// let body = br#"{"AttachmentItem":{"attachmentType":"file","name":"flower", "size":3483322}}"#;
/// let CreateSessionBody::Attachment(a) = CreateSessionBody::decode(body).unwrap().0 else { panic!() };
/// assert_eq!((a.attachment_type(), a.name(), a.size()), (&AttachmentType::File, "flower", 3483322));
///
/// let built = CreateSessionBody::Attachment(AttachmentItem::new(AttachmentType::File, "flower", 3483322));
/// assert_eq!(built.to_vec(), br#"{"AttachmentItem":{"attachmentType":"file","name":"flower","size":3483322}}"#);
/// assert!(CreateSessionBody::decode(br#"{"item":{},"properties":{}}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CreateSessionBody<'a> {
    /// driveItem (OneDrive, SharePoint).
    DriveItem(DriveItemSessionRequest<'a>),
    /// Outlook message or event attachment (`AttachmentItem`).
    Attachment(AttachmentItem<'a>),
    /// To Do task file attachment (`attachmentInfo`, the same members as an attachment item).
    TaskAttachment(AttachmentItem<'a>),
    /// Universal Print document (`properties`).
    PrintDocument(PrintDocumentUploadProperties<'a>),
}

/// The driveItem body: `item` and `deferCommit`, both optional.
///
/// ```
/// use bits_codec::{Decode, Encode};
/// use bits_codec::graph::{
///     ConflictBehavior, CreateSessionBody, DateTimeOffset, DriveItemSessionRequest, DriveItemUploadableProperties,
///     FileSystemInfo,
/// };
/// let modified = DateTimeOffset::new("2024-02-21T10:54:04.21Z").unwrap();
/// let item = DriveItemUploadableProperties::new()
///     .with_conflict_behavior(ConflictBehavior::Rename)
///     .with_name("largefile.dat")
///     .with_file_system_info(FileSystemInfo::new().with_last_modified_date_time(modified));
/// let body = CreateSessionBody::DriveItem(DriveItemSessionRequest::new().with_item(item).with_defer_commit(true));
/// assert_eq!(
///     body.to_vec(),
///     br#"{"item":{"@microsoft.graph.conflictBehavior":"rename","name":"largefile.dat","fileSystemInfo":{"lastModifiedDateTime":"2024-02-21T10:54:04.21Z"}},"deferCommit":true}"#
/// );
/// // Timestamps are checked when built and when read.
/// assert!(DateTimeOffset::new("2024-02-21 10:54:04").is_err());
/// assert!(CreateSessionBody::decode(br#"{"item":{"fileSystemInfo":{"createdDateTime":"yesterday"}}}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DriveItemSessionRequest<'a> {
    item: Option<DriveItemUploadableProperties<'a>>,
    defer_commit: Option<bool>,
}

/// `driveItemUploadableProperties` with the `@microsoft.graph.conflictBehavior` annotation.
///
/// `driveItemSource`, `mediaSource` and `@odata.type` are skipped when decoding and never
/// written: the "driveItem: createUploadSession" page's "Request body" section says
/// `@odata.type` "does not work against the SPO endpoints", so a request carrying it would
/// fail against SharePoint.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DriveItemUploadableProperties<'a> {
    conflict_behavior: Option<ConflictBehavior<'a>>,
    name: Option<Cow<'a, str>>,
    description: Option<Cow<'a, str>>,
    file_size: Option<u64>,
    file_system_info: Option<FileSystemInfo<'a>>,
}

/// `fileSystemInfo`: client-side timestamps (strict RFC 3339; rejected by OneDrive for
/// Business, ignored by OneDrive Personal; the "driveItem: createUploadSession" page lists the
/// member without saying which service honours it, so it is read and written as given).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileSystemInfo<'a> {
    created_date_time: Option<DateTimeOffset<'a>>,
    last_accessed_date_time: Option<DateTimeOffset<'a>>,
    last_modified_date_time: Option<DateTimeOffset<'a>>,
}

/// `@microsoft.graph.conflictBehavior`: known values, and any other kept as sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ConflictBehavior<'a> {
    /// `fail` (the documented default).
    Fail,
    /// `replace` (what the service does when the member is absent, although the
    /// "driveItem: createUploadSession" page names `fail` as the default).
    Replace,
    /// `rename`.
    Rename,
    /// Any other value, kept as sent.
    Other(Cow<'a, str>),
}

/// `attachmentType` of an attachment item.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AttachmentType<'a> {
    /// `file` (the one upload sessions are for).
    File,
    /// `item`.
    Item,
    /// `reference`.
    Reference,
    /// Any other value, kept as sent.
    Other(Cow<'a, str>),
}

/// `attachmentItem` (Outlook) / `attachmentInfo` (To Do): `attachmentType`, `name` and `size`
/// are required; `contentType`, `isInline`, `contentId` optional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentItem<'a> {
    attachment_type: AttachmentType<'a>,
    name: Cow<'a, str>,
    size: u64,
    content_type: Option<Cow<'a, str>>,
    is_inline: Option<bool>,
    content_id: Option<Cow<'a, str>>,
}

/// `printDocumentUploadProperties`: `documentName`, `contentType`, `size`, all required.
///
/// ```
/// use bits_codec::{Decode, Encode};
/// use bits_codec::graph::{CreateSessionBody, PrintDocumentUploadProperties};
/// let p = PrintDocumentUploadProperties::new("TestFile.pdf", "application/pdf", 4533322);
/// assert_eq!(
///     CreateSessionBody::PrintDocument(p).to_vec(),
///     br#"{"properties":{"documentName":"TestFile.pdf","contentType":"application/pdf","size":4533322}}"#
/// );
/// assert!(CreateSessionBody::decode(br#"{"properties":{"documentName":"TestFile.pdf","size":1}}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintDocumentUploadProperties<'a> {
    document_name: Cow<'a, str>,
    content_type: Cow<'a, str>,
    size: u64,
}

fn owned(c: Option<Cow<'_, str>>) -> Option<Cow<'static, str>> {
    c.map(|c| Cow::Owned(c.into_owned()))
}

impl<'a> CreateSessionBody<'a> {
    /// A copy that owns its strings.
    pub fn into_owned(self) -> CreateSessionBody<'static> {
        match self {
            Self::DriveItem(d) => CreateSessionBody::DriveItem(d.into_owned()),
            Self::Attachment(a) => CreateSessionBody::Attachment(a.into_owned()),
            Self::TaskAttachment(a) => CreateSessionBody::TaskAttachment(a.into_owned()),
            Self::PrintDocument(p) => CreateSessionBody::PrintDocument(p.into_owned()),
        }
    }
}

impl<'a> DriveItemSessionRequest<'a> {
    /// `{}`: no member set.
    pub fn new() -> Self {
        Self::default()
    }
    /// Set `item`.
    pub fn with_item(mut self, item: DriveItemUploadableProperties<'a>) -> Self {
        self.item = Some(item);
        self
    }
    /// Set `deferCommit` (`true`: the upload completes only on an explicit commit request).
    pub fn with_defer_commit(mut self, defer: bool) -> Self {
        self.defer_commit = Some(defer);
        self
    }
    /// `item`.
    pub fn item(&self) -> Option<&DriveItemUploadableProperties<'a>> {
        self.item.as_ref()
    }
    /// `deferCommit`.
    pub fn defer_commit(&self) -> Option<bool> {
        self.defer_commit
    }
    /// A copy that owns its strings.
    pub fn into_owned(self) -> DriveItemSessionRequest<'static> {
        DriveItemSessionRequest {
            item: self.item.map(DriveItemUploadableProperties::into_owned),
            defer_commit: self.defer_commit,
        }
    }
}

impl<'a> DriveItemUploadableProperties<'a> {
    /// No member set.
    pub fn new() -> Self {
        Self::default()
    }
    /// Set `@microsoft.graph.conflictBehavior`.
    pub fn with_conflict_behavior(mut self, b: ConflictBehavior<'a>) -> Self {
        self.conflict_behavior = Some(b);
        self
    }
    /// Set `name` (must match the name in the request path).
    pub fn with_name(mut self, name: impl Into<Cow<'a, str>>) -> Self {
        self.name = Some(name.into());
        self
    }
    /// Set `description` (OneDrive Personal only).
    pub fn with_description(mut self, d: impl Into<Cow<'a, str>>) -> Self {
        self.description = Some(d.into());
        self
    }
    /// Set `fileSize` (quota pre-check, OneDrive Personal only).
    pub fn with_file_size(mut self, n: u64) -> Self {
        self.file_size = Some(n);
        self
    }
    /// Set `fileSystemInfo`.
    pub fn with_file_system_info(mut self, f: FileSystemInfo<'a>) -> Self {
        self.file_system_info = Some(f);
        self
    }
    /// `@microsoft.graph.conflictBehavior`.
    pub fn conflict_behavior(&self) -> Option<&ConflictBehavior<'a>> {
        self.conflict_behavior.as_ref()
    }
    /// `name`.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    /// `description`.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
    /// `fileSize`.
    pub fn file_size(&self) -> Option<u64> {
        self.file_size
    }
    /// `fileSystemInfo`.
    pub fn file_system_info(&self) -> Option<&FileSystemInfo<'a>> {
        self.file_system_info.as_ref()
    }
    /// A copy that owns its strings.
    pub fn into_owned(self) -> DriveItemUploadableProperties<'static> {
        DriveItemUploadableProperties {
            conflict_behavior: self.conflict_behavior.map(ConflictBehavior::into_owned),
            name: owned(self.name),
            description: owned(self.description),
            file_size: self.file_size,
            file_system_info: self.file_system_info.map(FileSystemInfo::into_owned),
        }
    }
}

impl<'a> FileSystemInfo<'a> {
    /// No member set.
    pub fn new() -> Self {
        Self::default()
    }
    /// Set `createdDateTime`.
    pub fn with_created_date_time(mut self, t: DateTimeOffset<'a>) -> Self {
        self.created_date_time = Some(t);
        self
    }
    /// Set `lastAccessedDateTime`.
    pub fn with_last_accessed_date_time(mut self, t: DateTimeOffset<'a>) -> Self {
        self.last_accessed_date_time = Some(t);
        self
    }
    /// Set `lastModifiedDateTime`.
    pub fn with_last_modified_date_time(mut self, t: DateTimeOffset<'a>) -> Self {
        self.last_modified_date_time = Some(t);
        self
    }
    /// `createdDateTime`.
    pub fn created_date_time(&self) -> Option<&DateTimeOffset<'a>> {
        self.created_date_time.as_ref()
    }
    /// `lastAccessedDateTime`.
    pub fn last_accessed_date_time(&self) -> Option<&DateTimeOffset<'a>> {
        self.last_accessed_date_time.as_ref()
    }
    /// `lastModifiedDateTime`.
    pub fn last_modified_date_time(&self) -> Option<&DateTimeOffset<'a>> {
        self.last_modified_date_time.as_ref()
    }
    /// A copy that owns its strings.
    pub fn into_owned(self) -> FileSystemInfo<'static> {
        FileSystemInfo {
            created_date_time: self.created_date_time.map(DateTimeOffset::into_owned),
            last_accessed_date_time: self.last_accessed_date_time.map(DateTimeOffset::into_owned),
            last_modified_date_time: self.last_modified_date_time.map(DateTimeOffset::into_owned),
        }
    }
}

impl<'a> ConflictBehavior<'a> {
    /// The value as written on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Fail => "fail",
            Self::Replace => "replace",
            Self::Rename => "rename",
            Self::Other(s) => s,
        }
    }
    fn from_cow(s: Cow<'a, str>) -> Self {
        match &*s {
            "fail" => Self::Fail,
            "replace" => Self::Replace,
            "rename" => Self::Rename,
            _ => Self::Other(s),
        }
    }
    /// A copy that owns its strings.
    pub fn into_owned(self) -> ConflictBehavior<'static> {
        match self {
            Self::Fail => ConflictBehavior::Fail,
            Self::Replace => ConflictBehavior::Replace,
            Self::Rename => ConflictBehavior::Rename,
            Self::Other(s) => ConflictBehavior::Other(Cow::Owned(s.into_owned())),
        }
    }
}

impl<'a> From<&'a str> for ConflictBehavior<'a> {
    fn from(s: &'a str) -> Self {
        Self::from_cow(Cow::Borrowed(s))
    }
}

impl<'a> AttachmentType<'a> {
    /// The value as written on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::File => "file",
            Self::Item => "item",
            Self::Reference => "reference",
            Self::Other(s) => s,
        }
    }
    fn from_cow(s: Cow<'a, str>) -> Self {
        match &*s {
            "file" => Self::File,
            "item" => Self::Item,
            "reference" => Self::Reference,
            _ => Self::Other(s),
        }
    }
    /// A copy that owns its strings.
    pub fn into_owned(self) -> AttachmentType<'static> {
        match self {
            Self::File => AttachmentType::File,
            Self::Item => AttachmentType::Item,
            Self::Reference => AttachmentType::Reference,
            Self::Other(s) => AttachmentType::Other(Cow::Owned(s.into_owned())),
        }
    }
}

impl<'a> From<&'a str> for AttachmentType<'a> {
    fn from(s: &'a str) -> Self {
        Self::from_cow(Cow::Borrowed(s))
    }
}

impl<'a> AttachmentItem<'a> {
    /// An item with its three required members.
    pub fn new(attachment_type: AttachmentType<'a>, name: impl Into<Cow<'a, str>>, size: u64) -> Self {
        Self { attachment_type, name: name.into(), size, content_type: None, is_inline: None, content_id: None }
    }
    /// Set `contentType`.
    pub fn with_content_type(mut self, t: impl Into<Cow<'a, str>>) -> Self {
        self.content_type = Some(t.into());
        self
    }
    /// Set `isInline`.
    pub fn with_is_inline(mut self, inline: bool) -> Self {
        self.is_inline = Some(inline);
        self
    }
    /// Set `contentId` (the CID an inline picture is referenced by).
    pub fn with_content_id(mut self, id: impl Into<Cow<'a, str>>) -> Self {
        self.content_id = Some(id.into());
        self
    }
    /// `attachmentType`.
    pub fn attachment_type(&self) -> &AttachmentType<'a> {
        &self.attachment_type
    }
    /// `name`.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// `size`: the attachment's length in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }
    /// `contentType`.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }
    /// `isInline`.
    pub fn is_inline(&self) -> Option<bool> {
        self.is_inline
    }
    /// `contentId`.
    pub fn content_id(&self) -> Option<&str> {
        self.content_id.as_deref()
    }
    /// A copy that owns its strings.
    pub fn into_owned(self) -> AttachmentItem<'static> {
        AttachmentItem {
            attachment_type: self.attachment_type.into_owned(),
            name: Cow::Owned(self.name.into_owned()),
            size: self.size,
            content_type: owned(self.content_type),
            is_inline: self.is_inline,
            content_id: owned(self.content_id),
        }
    }
}

impl<'a> PrintDocumentUploadProperties<'a> {
    /// The three required members.
    pub fn new(document_name: impl Into<Cow<'a, str>>, content_type: impl Into<Cow<'a, str>>, size: u64) -> Self {
        Self { document_name: document_name.into(), content_type: content_type.into(), size }
    }
    /// `documentName`.
    pub fn document_name(&self) -> &str {
        &self.document_name
    }
    /// `contentType` (must be one the printer supports).
    pub fn content_type(&self) -> &str {
        &self.content_type
    }
    /// `size` in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }
    /// A copy that owns its strings.
    pub fn into_owned(self) -> PrintDocumentUploadProperties<'static> {
        PrintDocumentUploadProperties {
            document_name: Cow::Owned(self.document_name.into_owned()),
            content_type: Cow::Owned(self.content_type.into_owned()),
            size: self.size,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

impl Serialize for CreateSessionBody<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        match self {
            Self::DriveItem(d) => {
                if let Some(item) = &d.item {
                    m.serialize_entry("item", item)?;
                }
                if let Some(defer) = d.defer_commit {
                    m.serialize_entry("deferCommit", &defer)?;
                }
            }
            Self::Attachment(a) => m.serialize_entry("AttachmentItem", a)?,
            Self::TaskAttachment(a) => m.serialize_entry("attachmentInfo", a)?,
            Self::PrintDocument(p) => m.serialize_entry("properties", p)?,
        }
        m.end()
    }
}

impl Serialize for DriveItemUploadableProperties<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if let Some(b) = &self.conflict_behavior {
            m.serialize_entry("@microsoft.graph.conflictBehavior", b.as_str())?;
        }
        if let Some(n) = &self.name {
            m.serialize_entry("name", n)?;
        }
        if let Some(d) = &self.description {
            m.serialize_entry("description", d)?;
        }
        if let Some(n) = self.file_size {
            m.serialize_entry("fileSize", &n)?;
        }
        if let Some(f) = &self.file_system_info {
            m.serialize_entry("fileSystemInfo", f)?;
        }
        m.end()
    }
}

impl Serialize for FileSystemInfo<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        let fields = [
            ("createdDateTime", &self.created_date_time),
            ("lastAccessedDateTime", &self.last_accessed_date_time),
            ("lastModifiedDateTime", &self.last_modified_date_time),
        ];
        for (k, v) in fields {
            if let Some(v) = v {
                m.serialize_entry(k, v)?;
            }
        }
        m.end()
    }
}

impl Serialize for AttachmentItem<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("attachmentType", self.attachment_type.as_str())?;
        m.serialize_entry("name", &self.name)?;
        m.serialize_entry("size", &self.size)?;
        if let Some(t) = &self.content_type {
            m.serialize_entry("contentType", t)?;
        }
        if let Some(i) = self.is_inline {
            m.serialize_entry("isInline", &i)?;
        }
        if let Some(c) = &self.content_id {
            m.serialize_entry("contentId", c)?;
        }
        m.end()
    }
}

impl Serialize for PrintDocumentUploadProperties<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("documentName", &self.document_name)?;
        m.serialize_entry("contentType", &self.content_type)?;
        m.serialize_entry("size", &self.size)?;
        m.end()
    }
}

json::encode_as_json!(CreateSessionBody);
json::decode_as_json_object!(CreateSessionBody => BodyFields);

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
pub(crate) struct BodyFields<'a> {
    item: Option<DriveItemUploadableProperties<'a>>,
    item_seen: bool,
    defer_commit: Option<bool>,
    defer_seen: bool,
    attachment: Option<AttachmentItem<'a>>,
    properties: Option<PrintDocumentUploadProperties<'a>>,
    info: Option<AttachmentItem<'a>>,
}

impl<'de> Object<'de> for BodyFields<'de> {
    type Output = CreateSessionBody<'de>;
    const KEYS: &'static [&'static str] = &["item", "deferCommit", "AttachmentItem", "properties", "attachmentInfo"];
    fn member<A: MapAccess<'de>>(&mut self, ctx: &Ctx<'de>, key: usize, map: &mut A) -> Result<(), A::Error> {
        match key {
            0 => {
                self.item_seen = true;
                self.item = map.next_value_seed(ObjectSeed::<ItemFields<'de>>::new(ctx))?;
            }
            1 => {
                self.defer_seen = true;
                self.defer_commit = map.next_value_seed(BoolSeed)?;
            }
            2 => {
                self.attachment =
                    Some(required(ctx, map.next_value_seed(ObjectSeed::<AttachmentFields<'de>>::new(ctx))?)?)
            }
            3 => self.properties = Some(required(ctx, map.next_value_seed(ObjectSeed::<PrintFields<'de>>::new(ctx))?)?),
            _ => self.info = Some(required(ctx, map.next_value_seed(ObjectSeed::<AttachmentFields<'de>>::new(ctx))?)?),
        }
        Ok(())
    }
    fn finish<E: de::Error>(self, ctx: &Ctx<'de>) -> Result<CreateSessionBody<'de>, E> {
        let drive = self.item_seen || self.defer_seen;
        let shapes = [drive, self.attachment.is_some(), self.properties.is_some(), self.info.is_some()];
        if shapes.iter().filter(|&&s| s).count() > 1 {
            return Err(ctx.fail(JsonErrorKind::Shape, None));
        }
        Ok(match (self.attachment, self.properties, self.info) {
            (Some(a), _, _) => CreateSessionBody::Attachment(a),
            (_, Some(p), _) => CreateSessionBody::PrintDocument(p),
            (_, _, Some(i)) => CreateSessionBody::TaskAttachment(i),
            _ => CreateSessionBody::DriveItem(DriveItemSessionRequest {
                item: self.item,
                defer_commit: self.defer_commit,
            }),
        })
    }
}

/// A variant object that must be present (not `null`).
fn required<'de, T, E: de::Error>(ctx: &Ctx<'de>, v: Option<T>) -> Result<T, E> {
    v.ok_or_else(|| ctx.fail(JsonErrorKind::Shape, None))
}

#[derive(Default)]
struct ItemFields<'a>(DriveItemUploadableProperties<'a>);

impl<'de> Object<'de> for ItemFields<'de> {
    type Output = DriveItemUploadableProperties<'de>;
    const KEYS: &'static [&'static str] =
        &["@microsoft.graph.conflictBehavior", "name", "description", "fileSize", "fileSystemInfo"];
    fn member<A: MapAccess<'de>>(&mut self, ctx: &Ctx<'de>, key: usize, map: &mut A) -> Result<(), A::Error> {
        let i = &mut self.0;
        match key {
            0 => i.conflict_behavior = map.next_value_seed(StrSeed)?.map(ConflictBehavior::from_cow),
            1 => i.name = map.next_value_seed(StrSeed)?,
            2 => i.description = map.next_value_seed(StrSeed)?,
            3 => i.file_size = map.next_value_seed(U64Seed(ctx))?,
            _ => i.file_system_info = map.next_value_seed(ObjectSeed::<FsFields<'de>>::new(ctx))?,
        }
        Ok(())
    }
    fn finish<E: de::Error>(self, _: &Ctx<'de>) -> Result<Self::Output, E> {
        Ok(self.0)
    }
}

#[derive(Default)]
struct FsFields<'a>(FileSystemInfo<'a>);

impl<'de> Object<'de> for FsFields<'de> {
    type Output = FileSystemInfo<'de>;
    const KEYS: &'static [&'static str] = &["createdDateTime", "lastAccessedDateTime", "lastModifiedDateTime"];
    fn member<A: MapAccess<'de>>(&mut self, ctx: &Ctx<'de>, key: usize, map: &mut A) -> Result<(), A::Error> {
        let t = map.next_value_seed(DateSeed(ctx))?;
        match key {
            0 => self.0.created_date_time = t,
            1 => self.0.last_accessed_date_time = t,
            _ => self.0.last_modified_date_time = t,
        }
        Ok(())
    }
    fn finish<E: de::Error>(self, _: &Ctx<'de>) -> Result<Self::Output, E> {
        Ok(self.0)
    }
}

#[derive(Default)]
struct AttachmentFields<'a> {
    attachment_type: Option<Cow<'a, str>>,
    name: Option<Cow<'a, str>>,
    size: Option<u64>,
    content_type: Option<Cow<'a, str>>,
    is_inline: Option<bool>,
    content_id: Option<Cow<'a, str>>,
}

impl<'de> Object<'de> for AttachmentFields<'de> {
    type Output = AttachmentItem<'de>;
    const KEYS: &'static [&'static str] = &["attachmentType", "name", "size", "contentType", "isInline", "contentId"];
    fn member<A: MapAccess<'de>>(&mut self, ctx: &Ctx<'de>, key: usize, map: &mut A) -> Result<(), A::Error> {
        match key {
            0 => self.attachment_type = map.next_value_seed(StrSeed)?,
            1 => self.name = map.next_value_seed(StrSeed)?,
            2 => self.size = map.next_value_seed(U64Seed(ctx))?,
            3 => self.content_type = map.next_value_seed(StrSeed)?,
            4 => self.is_inline = map.next_value_seed(BoolSeed)?,
            _ => self.content_id = map.next_value_seed(StrSeed)?,
        }
        Ok(())
    }
    fn finish<E: de::Error>(self, ctx: &Ctx<'de>) -> Result<Self::Output, E> {
        let missing = |k| ctx.fail(JsonErrorKind::MissingKey(k), None);
        Ok(AttachmentItem {
            attachment_type: AttachmentType::from_cow(self.attachment_type.ok_or_else(|| missing("attachmentType"))?),
            name: self.name.ok_or_else(|| missing("name"))?,
            size: self.size.ok_or_else(|| missing("size"))?,
            content_type: self.content_type,
            is_inline: self.is_inline,
            content_id: self.content_id,
        })
    }
}

#[derive(Default)]
struct PrintFields<'a> {
    document_name: Option<Cow<'a, str>>,
    content_type: Option<Cow<'a, str>>,
    size: Option<u64>,
}

impl<'de> Object<'de> for PrintFields<'de> {
    type Output = PrintDocumentUploadProperties<'de>;
    const KEYS: &'static [&'static str] = &["documentName", "contentType", "size"];
    fn member<A: MapAccess<'de>>(&mut self, ctx: &Ctx<'de>, key: usize, map: &mut A) -> Result<(), A::Error> {
        match key {
            0 => self.document_name = map.next_value_seed(StrSeed)?,
            1 => self.content_type = map.next_value_seed(StrSeed)?,
            _ => self.size = map.next_value_seed(U64Seed(ctx))?,
        }
        Ok(())
    }
    fn finish<E: de::Error>(self, ctx: &Ctx<'de>) -> Result<Self::Output, E> {
        let missing = |k| ctx.fail(JsonErrorKind::MissingKey(k), None);
        Ok(PrintDocumentUploadProperties {
            document_name: self.document_name.ok_or_else(|| missing("documentName"))?,
            content_type: self.content_type.ok_or_else(|| missing("contentType"))?,
            size: self.size.ok_or_else(|| missing("size"))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Decode;
    use crate::codec::Encode;
    use crate::graph::json::json_error;

    #[test]
    fn the_c1_body_is_93_bytes() {
        let body = CreateSessionBody::DriveItem(
            DriveItemSessionRequest::new()
                .with_item(
                    DriveItemUploadableProperties::new()
                        .with_conflict_behavior(ConflictBehavior::Replace)
                        .with_name("big.bin"),
                )
                .with_defer_commit(false),
        );
        let v = body.to_vec();
        assert_eq!(
            v,
            br#"{"item":{"@microsoft.graph.conflictBehavior":"replace","name":"big.bin"},"deferCommit":false}"#
        );
        assert_eq!((v.len(), body.encoded_len()), (93, 93));
        assert_eq!(CreateSessionBody::decode(&v).unwrap().0, body);
    }

    #[test]
    fn each_variant_by_its_member() {
        let d =
            CreateSessionBody::decode(br#"{"item":{"@microsoft.graph.conflictBehavior":"rename"},"deferCommit":true}"#)
                .map(|(v, _)| v);
        let CreateSessionBody::DriveItem(d) = d.unwrap() else { panic!() };
        assert_eq!(d.defer_commit(), Some(true));
        assert_eq!(d.item().unwrap().conflict_behavior(), Some(&ConflictBehavior::Rename));
        assert!(matches!(CreateSessionBody::decode(b"{}").map(|(v, _)| v), Ok(CreateSessionBody::DriveItem(_))));
        let p = CreateSessionBody::decode(
            br#"{"properties":{"documentName":"TestFile.pdf","contentType":"application/pdf","size":4533322}}"#,
        )
        .map(|(v, _)| v);
        assert!(matches!(p, Ok(CreateSessionBody::PrintDocument(ref p)) if p.size() == 4_533_322));
        let t = CreateSessionBody::decode(
            br#"{"attachmentInfo":{"@odata.type":"microsoft.graph.attachmentInfo","attachmentType":"file","name":"flower","size":3483322}}"#,
        ).map(|(v, _)| v);
        assert!(matches!(t, Ok(CreateSessionBody::TaskAttachment(_))));
        let a = CreateSessionBody::decode(br#"{"attachmentItem":{"attachmentType":"file","name":"f","size":1}}"#)
            .map(|(v, _)| v);
        assert!(matches!(a, Ok(CreateSessionBody::Attachment(_))));
    }

    #[test]
    fn refuses_missing_required_members_and_mixed_shapes() {
        let kind = |j: &str| json_error(CreateSessionBody::decode(j.as_bytes()).unwrap_err()).kind;
        assert_eq!(
            kind(r#"{"AttachmentItem":{"attachmentType":"file","name":"f"}}"#),
            JsonErrorKind::MissingKey("size")
        );
        assert_eq!(kind(r#"{"properties":{"documentName":"d","size":1}}"#), JsonErrorKind::MissingKey("contentType"));
        assert_eq!(
            kind(r#"{"item":{},"AttachmentItem":{"attachmentType":"file","name":"f","size":1}}"#),
            JsonErrorKind::Shape
        );
        assert_eq!(kind(r#"{"AttachmentItem":null}"#), JsonErrorKind::Shape);
        assert_eq!(kind(r#"{"item":{"fileSize":-1}}"#), JsonErrorKind::Type("fileSize"));
        assert_eq!(kind(r#"{"item":{"fileSize":18446744073709551616}}"#), JsonErrorKind::NumberOverflow);
        assert_eq!(kind(r#"{"deferCommit":"yes"}"#), JsonErrorKind::Type("deferCommit"));
    }
}
