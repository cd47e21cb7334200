//! Minimal image input: uncompressed BMP and binary PPM decoding, resize + centre crop,
//! ImageNet normalisation. Written for this project; std only.

/// 8-bit RGB image, rows top to bottom, 3 bytes per pixel.
pub struct Rgb {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

pub const SIDE: usize = 224;
const MEAN: [f32; 3] = [0.485, 0.456, 0.406];
const STD: [f32; 3] = [0.229, 0.224, 0.225];

/// Decodes by content (magic bytes), not by file name.
pub fn decode(data: &[u8]) -> Result<Rgb, String> {
    if data.starts_with(b"BM") {
        decode_bmp(data)
    } else if data.starts_with(b"P6") {
        decode_ppm(data)
    } else {
        Err("unsupported image format (expected uncompressed BMP or binary PPM P6)".to_string())
    }
}

fn u16_at(d: &[u8], off: usize) -> Result<u16, String> {
    d.get(off..off + 2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .ok_or_else(|| "truncated BMP header".to_string())
}

fn u32_at(d: &[u8], off: usize) -> Result<u32, String> {
    d.get(off..off + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| "truncated BMP header".to_string())
}

/// One colour channel of a BI_BITFIELDS pixel: extracts and rescales to 8 bits.
#[derive(Clone, Copy)]
struct Channel {
    mask: u32,
    shift: u32,
    max: u32,
}

impl Channel {
    fn new(mask: u32) -> Result<Channel, String> {
        if mask == 0 {
            return Err("BMP colour mask is zero".to_string());
        }
        let shift = mask.trailing_zeros();
        let m = mask >> shift;
        let bits = m.count_ones();
        // Contiguous run of at most 16 bits, so the rescale below cannot overflow.
        if bits > 16 || m & m.wrapping_add(1) != 0 {
            return Err(format!("unsupported BMP colour mask {:#010x}", mask));
        }
        Ok(Channel { mask, shift, max: (1u32 << bits) - 1 })
    }

    fn get(self, px: u32) -> u8 {
        let v = (px & self.mask) >> self.shift;
        if self.max == 255 {
            v as u8
        } else {
            ((v * 255 + self.max / 2) / self.max) as u8
        }
    }
}

fn decode_bmp(d: &[u8]) -> Result<Rgb, String> {
    let data_off = u32_at(d, 10)? as usize;
    let header_size = u32_at(d, 14)?;
    let (width, height, bpp, compression): (i64, i64, u16, u32) = if header_size == 12 {
        // BITMAPCOREHEADER: 16-bit unsigned sizes, always bottom-up, no compression field.
        (u16_at(d, 18)? as i64, u16_at(d, 20)? as i64, u16_at(d, 24)?, 0)
    } else if header_size >= 40 {
        (
            u32_at(d, 18)? as i32 as i64,
            u32_at(d, 22)? as i32 as i64,
            u16_at(d, 28)?,
            u32_at(d, 30)?,
        )
    } else {
        return Err(format!("unsupported BMP header size {}", header_size));
    };
    let top_down = height < 0;
    let height = height.abs();
    if width <= 0 || height == 0 {
        return Err(format!("invalid BMP size {}x{}", width, height));
    }
    if bpp != 24 && bpp != 32 {
        return Err(format!("unsupported BMP bit depth {} (only 24 and 32)", bpp));
    }
    // 0 = BI_RGB; 3 = BI_BITFIELDS and 6 = BI_ALPHABITFIELDS (32-bit with explicit masks).
    // For both header variants that carry masks they start at file offset 54.
    let channels = match (compression, bpp) {
        (0, _) => None,
        (3, 32) | (6, 32) => Some([
            Channel::new(u32_at(d, 54)?)?,
            Channel::new(u32_at(d, 58)?)?,
            Channel::new(u32_at(d, 62)?)?,
        ]),
        _ => return Err(format!("unsupported BMP compression {} (only uncompressed)", compression)),
    };
    let (width, height) = (width as usize, height as usize);
    let bytes_pp = bpp as usize / 8;
    let stride = (width.checked_mul(bpp as usize).ok_or("BMP too large")? + 31) / 32 * 4;
    let needed = stride
        .checked_mul(height)
        .and_then(|n| n.checked_add(data_off))
        .ok_or("BMP too large")?;
    if d.len() < needed {
        return Err(format!("truncated BMP: pixel data needs {} bytes, file has {}", needed, d.len()));
    }
    let mut pixels = Vec::with_capacity(width * height * 3);
    for y in 0..height {
        let src_row = if top_down { y } else { height - 1 - y };
        let row = &d[data_off + src_row * stride..][..width * bytes_pp];
        for px in row.chunks_exact(bytes_pp) {
            match channels {
                // Stored as B, G, R (, X).
                None => pixels.extend_from_slice(&[px[2], px[1], px[0]]),
                Some([r, g, b]) => {
                    let v = u32::from_le_bytes([px[0], px[1], px[2], px[3]]);
                    pixels.extend_from_slice(&[r.get(v), g.get(v), b.get(v)]);
                }
            }
        }
    }
    Ok(Rgb { width, height, pixels })
}

fn decode_ppm(d: &[u8]) -> Result<Rgb, String> {
    // Header: "P6" then width, height, maxval as ASCII decimals separated by whitespace
    // (with '#' comments), then exactly one whitespace byte before the binary data.
    let mut pos = 2;
    let mut fields = [0usize; 3];
    for field in fields.iter_mut() {
        loop {
            match d.get(pos) {
                Some(b'#') => {
                    while pos < d.len() && d[pos] != b'\n' && d[pos] != b'\r' {
                        pos += 1;
                    }
                }
                Some(c) if c.is_ascii_whitespace() => pos += 1,
                Some(_) => break,
                None => return Err("truncated PPM header".to_string()),
            }
        }
        let start = pos;
        while pos < d.len() && d[pos].is_ascii_digit() {
            pos += 1;
        }
        if start == pos || pos - start > 9 {
            return Err("malformed PPM header".to_string());
        }
        *field = std::str::from_utf8(&d[start..pos]).unwrap().parse().unwrap();
    }
    match d.get(pos) {
        Some(c) if c.is_ascii_whitespace() => pos += 1,
        _ => return Err("malformed PPM header".to_string()),
    }
    let [width, height, maxval] = fields;
    if width == 0 || height == 0 {
        return Err(format!("invalid PPM size {}x{}", width, height));
    }
    if maxval == 0 || maxval > 255 {
        return Err(format!("unsupported PPM maxval {} (only 1..255, 8-bit)", maxval));
    }
    let len = width.checked_mul(height).and_then(|n| n.checked_mul(3)).ok_or("PPM too large")?;
    let body = d
        .get(pos..)
        .filter(|b| b.len() >= len)
        .ok_or_else(|| format!("truncated PPM: needs {} bytes of pixel data", len))?;
    let mut pixels = body[..len].to_vec();
    if maxval != 255 {
        for v in pixels.iter_mut() {
            *v = ((*v as usize).min(maxval) * 255 / maxval) as u8;
        }
    }
    Ok(Rgb { width, height, pixels })
}

/// Python's round() for the x.5 case torchvision's CenterCrop meets: half to even.
fn half_diff_round_even(diff: usize) -> usize {
    let floor = diff / 2;
    if diff % 2 == 0 || floor % 2 == 0 {
        floor
    } else {
        floor + 1
    }
}

/// torch.round (used when torchvision casts a resized uint8 image back) rounds half to
/// even; f32::round would round half away from zero.
fn round_half_even(v: f32) -> f32 {
    let f = v.floor();
    let diff = v - f;
    if diff > 0.5 || (diff == 0.5 && f % 2.0 != 0.0) {
        f + 1.0
    } else {
        f
    }
}

/// Resize the shorter side to 224 (bilinear, pixel centres aligned, no antialias: like
/// OpenCV INTER_LINEAR and torchvision Resize(224, antialias=False) on a uint8 tensor),
/// then centre-crop 224x224. Only the pixels inside the crop are computed. A 224x224
/// input is returned unchanged.
pub fn resize_crop(img: &Rgb) -> Rgb {
    let (w, h) = (img.width, img.height);
    if w == SIDE && h == SIDE {
        return Rgb { width: w, height: h, pixels: img.pixels.clone() };
    }
    // torchvision: the long side becomes int(224 * long / short), truncated.
    let (new_w, new_h) = if w <= h {
        (SIDE, (SIDE as u64 * h as u64 / w as u64) as usize)
    } else {
        ((SIDE as u64 * w as u64 / h as u64) as usize, SIDE)
    };
    let left = half_diff_round_even(new_w - SIDE);
    let top = half_diff_round_even(new_h - SIDE);
    let sx = w as f32 / new_w as f32;
    let sy = h as f32 / new_h as f32;

    // Source sample positions: src = (dst + 0.5) * scale - 0.5, clamped at 0.
    let taps = |dst: usize, scale: f32, len: usize| -> (usize, usize, f32) {
        let src = ((dst as f32 + 0.5) * scale - 0.5).max(0.0);
        let i0 = (src as usize).min(len - 1);
        let i1 = (i0 + 1).min(len - 1);
        (i0, i1, src - i0 as f32)
    };
    let xs: Vec<(usize, usize, f32)> = (left..left + SIDE).map(|x| taps(x, sx, w)).collect();

    let mut out = Vec::with_capacity(SIDE * SIDE * 3);
    for y in top..top + SIDE {
        let (y0, y1, fy) = taps(y, sy, h);
        let r0 = &img.pixels[y0 * w * 3..(y0 + 1) * w * 3];
        let r1 = &img.pixels[y1 * w * 3..(y1 + 1) * w * 3];
        for &(x0, x1, fx) in &xs {
            for c in 0..3 {
                let a = r0[x0 * 3 + c] as f32 * (1.0 - fx) + r0[x1 * 3 + c] as f32 * fx;
                let b = r1[x0 * 3 + c] as f32 * (1.0 - fx) + r1[x1 * 3 + c] as f32 * fx;
                let v = a * (1.0 - fy) + b * fy;
                out.push(round_half_even(v).clamp(0.0, 255.0) as u8);
            }
        }
    }
    Rgb { width: SIDE, height: SIDE, pixels: out }
}

/// 224x224 RGB -> f32 NCHW [1,3,224,224]: (v/255 - mean) / std per channel.
pub fn to_nchw(img: &Rgb) -> Vec<f32> {
    debug_assert!(img.width == SIDE && img.height == SIDE);
    let plane = SIDE * SIDE;
    let mut out = vec![0f32; 3 * plane];
    for (i, px) in img.pixels.chunks_exact(3).enumerate() {
        for c in 0..3 {
            let x = px[c] as f32 / 255.0;
            out[c * plane + i] = (x - MEAN[c]) / STD[c];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bmp(width: i32, height: i32, bpp: u16, rows_bottom_up: &[Vec<[u8; 3]>]) -> Vec<u8> {
        let stride = ((width as usize * bpp as usize + 31) / 32) * 4;
        let mut d = Vec::new();
        d.extend_from_slice(b"BM");
        d.extend_from_slice(&0u32.to_le_bytes());
        d.extend_from_slice(&0u32.to_le_bytes());
        d.extend_from_slice(&54u32.to_le_bytes());
        d.extend_from_slice(&40u32.to_le_bytes());
        d.extend_from_slice(&width.to_le_bytes());
        d.extend_from_slice(&height.to_le_bytes());
        d.extend_from_slice(&1u16.to_le_bytes());
        d.extend_from_slice(&bpp.to_le_bytes());
        d.extend_from_slice(&[0u8; 24]);
        for row in rows_bottom_up {
            let start = d.len();
            for p in row {
                d.extend_from_slice(&[p[2], p[1], p[0]]);
                if bpp == 32 {
                    d.push(255);
                }
            }
            d.resize(start + stride, 0);
        }
        d
    }

    #[test]
    fn bmp_orientation_and_padding() {
        let a = [1, 2, 3];
        let b = [4, 5, 6];
        // Stored rows: first stored row is the bottom row for positive height.
        let rows = vec![vec![a, a, a], vec![b, b, b]];
        for &bpp in &[24u16, 32] {
            let img = decode(&bmp(3, 2, bpp, &rows)).unwrap();
            assert_eq!((img.width, img.height), (3, 2));
            assert_eq!(&img.pixels[0..3], &b);
            assert_eq!(&img.pixels[9..12], &a);
            let img = decode(&bmp(3, -2, bpp, &rows)).unwrap();
            assert_eq!(&img.pixels[0..3], &a);
        }
    }

    #[test]
    fn ppm_with_comment() {
        let mut d = b"P6\n# hi\n2 1\n255\n".to_vec();
        d.extend_from_slice(&[1, 2, 3, 4, 5, 6]);
        let img = decode(&d).unwrap();
        assert_eq!((img.width, img.height, img.pixels.clone()), (2, 1, vec![1, 2, 3, 4, 5, 6]));
        assert!(decode(&d[..d.len() - 1]).is_err());
    }

    #[test]
    fn resize_constant_image_stays_constant() {
        let img = Rgb { width: 300, height: 250, pixels: vec![77; 300 * 250 * 3] };
        let out = resize_crop(&img);
        assert_eq!((out.width, out.height), (224, 224));
        assert!(out.pixels.iter().all(|&v| v == 77));
    }

    #[test]
    fn crop_offsets_round_half_even() {
        assert_eq!(half_diff_round_even(0), 0);
        assert_eq!(half_diff_round_even(1), 0);
        assert_eq!(half_diff_round_even(3), 2);
        assert_eq!(half_diff_round_even(5), 2);
        assert_eq!(half_diff_round_even(4), 2);
    }
}
