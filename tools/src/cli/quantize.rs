//! `slm quantize IN.slm -o OUT.slm --dtype q8_0|q4_0|f32`: requantize a
//! model by `spec/converter.md` §2.3's policy — every matrix whose `cols` is
//! a multiple of 32 in the target dtype (dequantized, then quantized by the
//! spec's quantizer; a tensor already in it is kept byte for byte), every
//! other tensor f32. Header, context length and tokenizer section are the
//! input's; the result is validated by the reference runtime before it is
//! written.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::cli::progress::{Progress, Stage};
use crate::import::model::{self, Data, Dims, ModelSpec, Policy, Tensor};
use crate::import::vocab::Converted;
use tinyrustlm::{Dtype, Model};

/// Arguments of `slm quantize`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The SLM1 model to requantize.
    pub input: PathBuf,
    /// The SLM1 file to write.
    #[arg(short, long)]
    pub output: PathBuf,
    /// The dtype of every matrix whose columns are a multiple of 32.
    #[arg(long, value_parser = ["f32", "q8_0", "q4_0"])]
    pub dtype: String,
}

/// `slm quantize`.
pub fn run(args: &Args) -> ExitCode {
    match quantize(args) {
        Ok(msg) => {
            println!("{msg}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("slm quantize: {e}");
            ExitCode::FAILURE
        }
    }
}

fn quantize(args: &Args) -> Result<String, String> {
    let input = args.input.display();
    let bytes = std::fs::read(&args.input).map_err(|e| format!("{input}: cannot read: {e}"))?;
    let m = Model::parse(&bytes)
        .map_err(|e| format!("{input}: not a valid SLM1 file: {e} (`slm validate {input}` names the failing step)"))?;
    let dtype =
        Dtype::from_name(&args.dtype).ok_or_else(|| format!("--dtype {:?} is not f32, q8_0 or q4_0", args.dtype))?;
    let (mut spec, tokenizer) = read(&m).map_err(|e| format!("{input}: {e}"))?;
    let before = m.tensors().iter().filter(|t| t.dtype != Dtype::F32).count();
    let mut progress = Progress::new("quantizing");
    spec.apply_policy_with_progress(Policy::To(dtype), &mut |done, total| progress.update(done, total))
        .map_err(|e| format!("{input}: {e}"))?;
    let writing = Stage::new("writing and validating");
    let out = model::finish(&spec, &tokenizer, Some(m.header().context_length))
        .map_err(|e| format!("{input} → {}: {e}", args.output.display()))?;
    drop(writing);
    write(&args.output, &out)?;
    let after = spec.tensors.iter().filter(|t| t.data.dtype() != Dtype::F32).count();
    Ok(format!(
        "wrote {}: {} bytes ({} before), {after} quantized tensors ({before} before), matrices {}",
        args.output.display(),
        out.len(),
        bytes.len(),
        dtype.name()
    ))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: cannot write: {e}", path.display()))
}

/// A validated SLM1 model as a [`ModelSpec`] and its own tokenizer section.
pub fn read(m: &Model<'_>) -> Result<(ModelSpec, Converted), String> {
    let h = m.header();
    let dims = Dims {
        architecture: h.architecture,
        vocab_size: h.vocab_size,
        dim: h.dim,
        n_layers: h.n_layers,
        n_heads: h.n_heads,
        n_kv_heads: h.n_kv_heads,
        head_dim: h.head_dim,
        ffn_dim: h.ffn_dim,
        context_length: h.context_length,
        rotary_dims: h.rotary_dims,
        rope_theta: h.rope_theta,
        norm_eps: h.norm_eps,
        tied: h.tied_embeddings(),
    };
    let mut tensors = Vec::with_capacity(m.tensors().len());
    for t in m.tensors() {
        let payload = m.tensor_bytes(t);
        let data = match t.dtype {
            Dtype::F32 => Data::F32(
                payload
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect(),
            ),
            Dtype::Q8_0 => Data::Q8_0(payload.to_vec()),
            Dtype::Q4_0 => Data::Q4_0(payload.to_vec()),
        };
        tensors.push(Tensor {
            role: t.role,
            layer: t.layer,
            rows: t.rows,
            cols: t.cols,
            data,
            source: format!("tensor {} of layer {} (offset {:#x})", t.role.name(), t.layer, t.offset),
        });
    }
    let tokenizer = Converted::from_section(m.tokenizer_bytes().to_vec(), h.vocab_size, h.bos_id, h.eos_id)
        .map_err(|e| format!("tokenizer section: {e}"))?;
    Ok((ModelSpec { dims, tensors }, tokenizer))
}
