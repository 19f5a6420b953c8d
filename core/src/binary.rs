//! Rewriting a Wasm binary section by section: what `wcomp build --release`
//! strips, and what decoding leaves out of nested modules to read a world
//! fast. Every section kept is copied as it is; a nested core module or
//! component is rewritten the same way, so nothing is decoded and encoded
//! again, and only the sizes of the sections around a change change.

/// The id of a custom section, in modules and components.
pub const CUSTOM: u8 = 0;
/// The id of a component's nested core module.
pub const CORE_MODULE: u8 = 1;
/// The id of a component's nested component.
pub const COMPONENT: u8 = 4;

/// How a rewrite treats the sections of a binary and of those it nests.
pub trait Rewrite {
    /// Whether a custom section stays, given its content (its name
    /// first) and whether it is in a nested module or component.
    fn keep_custom(&mut self, content: &[u8], nested: bool) -> bool;

    /// What a nested core module becomes, once its own sections are
    /// rewritten; itself by default.
    fn module(&mut self, module: Vec<u8>) -> Vec<u8> {
        module
    }
}

/// `bytes`, a core module or a component, rewritten by `how`; `None` when
/// it is not a Wasm binary or its sections do not parse.
pub fn rewrite(bytes: &[u8], how: &mut dyn Rewrite) -> Option<Vec<u8>> {
    if !bytes.starts_with(b"\0asm") {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len().min(1 << 20));
    copy_sections(bytes, false, how, &mut out)?;
    Some(out)
}

/// Appends the module or component `bytes` to `out`, header and sections,
/// as `how` rewrites them.
fn copy_sections(
    bytes: &[u8],
    nested: bool,
    how: &mut dyn Rewrite,
    out: &mut Vec<u8>,
) -> Option<()> {
    let component = wasmparser::Parser::is_component(bytes);
    out.extend_from_slice(bytes.get(..8)?);
    let mut reader = wasmparser::BinaryReader::new(bytes.get(8..)?, 8);
    while !reader.eof() {
        let id = reader.read_u8().ok()?;
        let size = reader.read_var_u32().ok()?;
        let content = reader.read_bytes(size as usize).ok()?;
        match id {
            CUSTOM if !how.keep_custom(content, nested) => {}
            CORE_MODULE if component => {
                let mut module = Vec::with_capacity(content.len().min(1 << 16));
                copy_sections(content, true, how, &mut module)?;
                push_section(out, id, &how.module(module));
            }
            COMPONENT if component => {
                let mut inner = Vec::with_capacity(content.len().min(1 << 16));
                copy_sections(content, true, how, &mut inner)?;
                push_section(out, id, &inner);
            }
            _ => push_section(out, id, content),
        }
    }
    Some(())
}

/// The name a custom section's content starts with.
pub fn custom_name(content: &[u8]) -> Option<&str> {
    wasmparser::BinaryReader::new(content, 0).read_string().ok()
}

/// Appends section `id` with `content`, its size as unsigned LEB128.
pub fn push_section(out: &mut Vec<u8>, id: u8, content: &[u8]) {
    out.push(id);
    let mut size = content.len();
    loop {
        let byte = (size & 0x7f) as u8;
        size >>= 7;
        if size == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
    out.extend_from_slice(content);
}
