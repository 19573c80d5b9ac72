//! A GGUF header check that runs before a file is handed to llama.cpp.
//!
//! llama.cpp reports a broken file as a null pointer at best; reading the header here turns a
//! missing, truncated or foreign file into an error that names the file and says what is wrong.
//! The walk covers the metadata and the tensor table, and, for the tensor types whose block
//! sizes are listed below, checks that the tensor data fits inside the file.

use anyhow::{bail, Context, Result};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

/// The four bytes every GGUF file starts with.
pub const GGUF_MAGIC: &[u8; 4] = b"GGUF";

/// What the header of a GGUF file says about the model inside.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GgufInfo {
    /// File size in bytes.
    pub size: u64,
    /// GGUF format version (2 or 3).
    pub version: u32,
    /// `general.architecture`, e.g. `llama` or `qwen2`.
    pub architecture: Option<String>,
    /// `general.name`, the model's own name.
    pub name: Option<String>,
    /// `<arch>.context_length`: the context the model was trained for.
    pub context_length: Option<u64>,
    /// Number of tensors.
    pub tensor_count: u64,
    /// Whether the file carries a chat template (`tokenizer.chat_template`).
    pub has_chat_template: bool,
}

/// Check that `path` is a complete GGUF file and read its header.
///
/// Errors name the file and say what to do: missing, not a GGUF file (wrong magic), an
/// unsupported version, or truncated (the header or the tensor data runs past the end).
pub fn check_gguf(path: &Path) -> Result<GgufInfo> {
    let meta = std::fs::metadata(path).with_context(|| {
        format!(
            "{}: model file not found; check the path, or fetch the demo models with scripts/fetch-models",
            path.display()
        )
    })?;
    if !meta.is_file() {
        bail!(
            "{}: not a regular file (expected a .gguf model file)",
            path.display()
        );
    }
    let size = meta.len();
    let file = File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
    let mut reader = HeaderReader {
        inner: BufReader::with_capacity(1 << 16, file),
        pos: 0,
        size,
    };
    let mut magic = [0u8; 4];
    if size < 4 {
        bail!(
            "{}: not a GGUF model file ({size} bytes; a GGUF file starts with the bytes `GGUF`)",
            path.display()
        );
    }
    reader.read_exact(&mut magic).map_err(|e| e.context(path))?;
    if &magic != GGUF_MAGIC {
        bail!(
            "{}: not a GGUF model file (starts with {:?}, expected `GGUF`); insider's local provider reads llama.cpp GGUF files only",
            path.display(),
            String::from_utf8_lossy(&magic)
        );
    }
    walk_header(&mut reader, size).map_err(|e| e.context(path))
}

/// Why reading the header stopped.
#[derive(Debug)]
enum HeaderError {
    /// The file ends before the header or data does.
    Truncated { needed: u64, size: u64 },
    /// The header holds something this reader cannot accept.
    Invalid(String),
    /// The operating system failed to read.
    Io(std::io::Error),
}

impl HeaderError {
    fn context(self, path: &Path) -> anyhow::Error {
        match self {
            HeaderError::Truncated { needed, size } => anyhow::anyhow!(
                "{}: truncated GGUF file ({size} bytes, but the header says at least {needed} bytes); \
                 the download or copy was cut short: fetch the file again",
                path.display()
            ),
            HeaderError::Invalid(what) => anyhow::anyhow!("{}: invalid GGUF header: {what}", path.display()),
            HeaderError::Io(e) => anyhow::anyhow!("{}: cannot read: {e}", path.display()),
        }
    }
}

struct HeaderReader<R> {
    inner: R,
    pos: u64,
    size: u64,
}

impl<R: Read> HeaderReader<R> {
    fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), HeaderError> {
        let needed = self.pos + buf.len() as u64;
        if needed > self.size {
            return Err(HeaderError::Truncated {
                needed,
                size: self.size,
            });
        }
        self.inner.read_exact(buf).map_err(HeaderError::Io)?;
        self.pos = needed;
        Ok(())
    }

    fn skip(&mut self, n: u64) -> Result<(), HeaderError> {
        let needed = self.pos.saturating_add(n);
        if needed > self.size {
            return Err(HeaderError::Truncated {
                needed,
                size: self.size,
            });
        }
        std::io::copy(&mut (&mut self.inner).take(n), &mut std::io::sink())
            .map_err(HeaderError::Io)?;
        self.pos = needed;
        Ok(())
    }

    fn u32(&mut self) -> Result<u32, HeaderError> {
        let mut b = [0u8; 4];
        self.read_exact(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn u64(&mut self) -> Result<u64, HeaderError> {
        let mut b = [0u8; 8];
        self.read_exact(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn string(&mut self) -> Result<String, HeaderError> {
        let len = self.u64()?;
        if len > self.size {
            return Err(HeaderError::Invalid(format!(
                "string length {len} exceeds the file size"
            )));
        }
        let mut b = vec![0u8; len as usize];
        self.read_exact(&mut b)?;
        Ok(String::from_utf8_lossy(&b).into_owned())
    }
}

/// Size in bytes of a scalar GGUF metadata value type, `None` for string (8) and array (9).
fn scalar_size(value_type: u32) -> Result<Option<u64>, HeaderError> {
    Ok(match value_type {
        0 | 1 | 7 => Some(1), // u8, i8, bool
        2 | 3 => Some(2),     // u16, i16
        4..=6 => Some(4),     // u32, i32, f32
        10..=12 => Some(8),   // u64, i64, f64
        8 | 9 => None,
        other => {
            return Err(HeaderError::Invalid(format!(
                "unknown metadata value type {other}"
            )))
        }
    })
}

/// `(elements per block, bytes per block)` of a ggml tensor type, where known.
fn block_layout(ggml_type: u32) -> Option<(u64, u64)> {
    Some(match ggml_type {
        0 => (1, 4),      // F32
        1 => (1, 2),      // F16
        2 => (32, 18),    // Q4_0
        3 => (32, 20),    // Q4_1
        6 => (32, 22),    // Q5_0
        7 => (32, 24),    // Q5_1
        8 => (32, 34),    // Q8_0
        9 => (32, 36),    // Q8_1
        10 => (256, 84),  // Q2_K
        11 => (256, 110), // Q3_K
        12 => (256, 144), // Q4_K
        13 => (256, 176), // Q5_K
        14 => (256, 210), // Q6_K
        15 => (256, 292), // Q8_K
        20 => (32, 18),   // IQ4_NL
        23 => (256, 136), // IQ4_XS
        24 => (1, 1),     // I8
        25 => (1, 2),     // I16
        26 => (1, 4),     // I32
        27 => (1, 8),     // I64
        28 => (1, 8),     // F64
        30 => (1, 2),     // BF16
        _ => return None,
    })
}

fn walk_header<R: Read>(r: &mut HeaderReader<R>, size: u64) -> Result<GgufInfo, HeaderError> {
    let version = r.u32()?;
    if !(2..=3).contains(&version) {
        return Err(HeaderError::Invalid(format!(
            "GGUF version {version} is not supported (expected 2 or 3)"
        )));
    }
    let tensor_count = r.u64()?;
    let kv_count = r.u64()?;
    // Every entry takes at least a few bytes, so counts beyond the file size are corruption.
    if tensor_count > size || kv_count > size {
        return Err(HeaderError::Invalid(format!(
            "{tensor_count} tensors / {kv_count} metadata entries cannot fit in {size} bytes"
        )));
    }
    let mut info = GgufInfo {
        size,
        version,
        tensor_count,
        ..GgufInfo::default()
    };
    let mut alignment = 32u64;
    let mut context_lengths: Vec<(String, u64)> = Vec::new();
    for _ in 0..kv_count {
        let key = r.string()?;
        let value_type = r.u32()?;
        match (key.as_str(), value_type) {
            ("general.architecture", 8) => info.architecture = Some(r.string()?),
            ("general.name", 8) => info.name = Some(r.string()?),
            ("tokenizer.chat_template", 8) => {
                info.has_chat_template = true;
                r.string()?;
            }
            ("general.alignment", 4) => alignment = u64::from(r.u32()?).max(1),
            (k, 4) if k.ends_with(".context_length") => {
                context_lengths.push((k.to_string(), u64::from(r.u32()?)))
            }
            (k, 10) if k.ends_with(".context_length") => {
                context_lengths.push((k.to_string(), r.u64()?))
            }
            _ => skip_value(r, value_type)?,
        }
    }
    if let Some(arch) = &info.architecture {
        let wanted = format!("{arch}.context_length");
        info.context_length = context_lengths
            .iter()
            .find(|(k, _)| *k == wanted)
            .map(|(_, v)| *v);
    }
    let mut data_end = 0u64;
    let mut all_known = true;
    for _ in 0..tensor_count {
        let _name = r.string()?;
        let n_dims = r.u32()?;
        if n_dims > 8 {
            return Err(HeaderError::Invalid(format!(
                "tensor with {n_dims} dimensions"
            )));
        }
        let mut elements = 1u64;
        for _ in 0..n_dims {
            elements = elements.saturating_mul(r.u64()?);
        }
        let ggml_type = r.u32()?;
        let offset = r.u64()?;
        match block_layout(ggml_type) {
            Some((block, bytes)) => {
                let nbytes = elements.div_ceil(block).saturating_mul(bytes);
                data_end = data_end.max(offset.saturating_add(nbytes));
            }
            None => all_known = false,
        }
    }
    let data_start = r.pos.div_ceil(alignment) * alignment;
    let needed = data_start.saturating_add(data_end);
    if all_known && needed > size {
        return Err(HeaderError::Truncated { needed, size });
    }
    if data_start > size {
        return Err(HeaderError::Truncated {
            needed: data_start,
            size,
        });
    }
    Ok(info)
}

fn skip_value<R: Read>(r: &mut HeaderReader<R>, value_type: u32) -> Result<(), HeaderError> {
    match scalar_size(value_type)? {
        Some(n) => r.skip(n),
        None if value_type == 8 => {
            let len = r.u64()?;
            r.skip(len)
        }
        None => {
            let item_type = r.u32()?;
            let count = r.u64()?;
            if count > r.size {
                return Err(HeaderError::Invalid(format!(
                    "array of {count} items exceeds the file size"
                )));
            }
            match scalar_size(item_type)? {
                Some(n) => r.skip(n.saturating_mul(count)),
                None => {
                    for _ in 0..count {
                        skip_value(r, item_type)?;
                    }
                    Ok(())
                }
            }
        }
    }
}
