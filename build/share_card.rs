//! The share card (`og:image`, 1200×630): what a chat app shows beside a
//! pasted link. build.rs draws it from a few shapes into the build's output
//! folder, and src/web/share_image.rs embeds the file: neither a font (none
//! is installed on CI machines) nor a committed binary is needed, a change
//! of colour is a change of code, and starting the server costs nothing.
//!
//! Shapes are signed distance functions: a pixel's coverage is how far
//! inside the edge its centre lies, which anti-aliases every edge.

pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 630;

type Rgb = [f32; 3];

const fn rgb(hex: u32) -> Rgb {
    [
        ((hex >> 16) & 0xff) as f32,
        ((hex >> 8) & 0xff) as f32,
        (hex & 0xff) as f32,
    ]
}

/// `--red` and `--red-dark` of static/css/site.css.
const BRAND: Rgb = rgb(0xc8102e);
const BRAND_DARK: Rgb = rgb(0x9e0b23);
const WHITE: Rgb = rgb(0xffffff);
const GOLD: Rgb = rgb(0xffc94d);

#[derive(Debug, Clone, Copy, PartialEq)]
struct Point {
    x: f32,
    y: f32,
}

const fn point(x: f32, y: f32) -> Point {
    Point { x, y }
}

enum Shape {
    /// A line with round ends through the points (one point: a disc).
    Stroke { points: Vec<Point>, radius: f32 },
    /// A rectangle with rounded corners.
    Box {
        left: f32,
        top: f32,
        right: f32,
        bottom: f32,
        radius: f32,
    },
}

impl Shape {
    /// Signed distance from `p` to the edge: negative inside.
    fn distance(&self, p: Point) -> f32 {
        match self {
            Self::Stroke { points, radius } => {
                let nearest = match points.as_slice() {
                    [only] => (p.x - only.x).hypot(p.y - only.y),
                    _ => points
                        .windows(2)
                        .map(|pair| segment_distance(p, pair[0], pair[1]))
                        .fold(f32::INFINITY, f32::min),
                };
                nearest - radius
            }
            Self::Box {
                left,
                top,
                right,
                bottom,
                radius,
            } => {
                let qx = (p.x - (left + right) / 2.0).abs() - ((right - left) / 2.0 - radius);
                let qy = (p.y - (top + bottom) / 2.0).abs() - ((bottom - top) / 2.0 - radius);
                qx.max(0.0).hypot(qy.max(0.0)) + qx.max(qy).min(0.0) - radius
            }
        }
    }

    /// Left, top, right, bottom of what the shape may cover.
    fn bounds(&self) -> (f32, f32, f32, f32) {
        match self {
            Self::Stroke { points, radius } => points.iter().fold(
                (
                    f32::INFINITY,
                    f32::INFINITY,
                    f32::NEG_INFINITY,
                    f32::NEG_INFINITY,
                ),
                |(l, t, r, b), p| {
                    (
                        l.min(p.x - radius),
                        t.min(p.y - radius),
                        r.max(p.x + radius),
                        b.max(p.y + radius),
                    )
                },
            ),
            Self::Box {
                left,
                top,
                right,
                bottom,
                ..
            } => (*left, *top, *right, *bottom),
        }
    }
}

fn segment_distance(p: Point, a: Point, b: Point) -> f32 {
    let (abx, aby) = (b.x - a.x, b.y - a.y);
    let (apx, apy) = (p.x - a.x, p.y - a.y);
    let length_squared = abx * abx + aby * aby;
    let t = if length_squared > 0.0 {
        ((apx * abx + apy * aby) / length_squared).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (apx - t * abx).hypot(apy - t * aby)
}

struct Canvas {
    pixels: Vec<Rgb>,
}

impl Canvas {
    /// A diagonal gradient from `from` (top left) to `to` (bottom right).
    fn gradient(from: Rgb, to: Rgb) -> Self {
        let span = (WIDTH + HEIGHT) as f32;
        let pixels = (0..HEIGHT)
            .flat_map(|y| (0..WIDTH).map(move |x| (x + y) as f32 / span))
            .map(|t| mix(from, to, t))
            .collect();
        Self { pixels }
    }

    fn fill(&mut self, shape: &Shape, colour: Rgb, opacity: f32) {
        let mut mask = Mask::over(shape.bounds());
        match shape {
            // Each segment marks only its own neighbourhood: a stroke costs
            // its area, not its area times its number of segments.
            Shape::Stroke { points, radius } if points.len() > 1 => {
                for pair in points.windows(2) {
                    let segment = Shape::Stroke {
                        points: pair.to_vec(),
                        radius: *radius,
                    };
                    mask.cover(&segment);
                }
            }
            _ => mask.cover(shape),
        }
        mask.paint(self, colour, opacity);
    }

    fn stroke(&mut self, points: Vec<Point>, radius: f32, colour: Rgb) {
        self.fill(&Shape::Stroke { points, radius }, colour, 1.0);
    }

    fn rgb_bytes(&self) -> Vec<u8> {
        self.pixels
            .iter()
            .flat_map(|pixel| pixel.map(|channel| channel.round().clamp(0.0, 255.0) as u8))
            .collect()
    }
}

/// How much of each pixel in a rectangle a shape covers, 0 to 1; the most
/// of its parts, so overlapping parts of one stroke do not blend twice.
struct Mask {
    left: usize,
    top: usize,
    width: usize,
    coverage: Vec<f32>,
}

impl Mask {
    fn over(bounds: (f32, f32, f32, f32)) -> Self {
        let (columns, rows) = pixel_range(bounds);
        let width = columns.len();
        Self {
            left: columns.start,
            top: rows.start,
            width,
            coverage: vec![0.0; width * rows.len()],
        }
    }

    fn cover(&mut self, shape: &Shape) {
        let (columns, rows) = pixel_range(shape.bounds());
        for y in rows {
            for x in columns.clone() {
                let centre = point(x as f32 + 0.5, y as f32 + 0.5);
                let covered = (0.5 - shape.distance(centre)).clamp(0.0, 1.0);
                let cell = &mut self.coverage[(y - self.top) * self.width + x - self.left];
                *cell = cell.max(covered);
            }
        }
    }

    fn paint(&self, canvas: &mut Canvas, colour: Rgb, opacity: f32) {
        if self.width == 0 {
            return;
        }
        for (row, line) in self.coverage.chunks(self.width).enumerate() {
            let start = (self.top + row) * WIDTH as usize + self.left;
            let pixels = &mut canvas.pixels[start..start + self.width];
            for (pixel, covered) in pixels.iter_mut().zip(line) {
                if *covered > 0.0 {
                    *pixel = mix(*pixel, colour, covered * opacity);
                }
            }
        }
    }
}

/// The pixels a shape's bounds touch, kept on the canvas.
fn pixel_range(
    (left, top, right, bottom): (f32, f32, f32, f32),
) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
    (
        clamped(left, WIDTH)..clamped(right + 1.0, WIDTH),
        clamped(top, HEIGHT)..clamped(bottom + 1.0, HEIGHT),
    )
}

/// A pixel index from a coordinate, kept on the canvas.
fn clamped(coordinate: f32, size: u32) -> usize {
    coordinate.floor().clamp(0.0, size as f32) as usize
}

fn mix(under: Rgb, over: Rgb, amount: f32) -> Rgb {
    [0, 1, 2].map(|i| under[i] + (over[i] - under[i]) * amount)
}

/// Where a glyph drawn in a box 100 units high goes: its top left, pixels
/// per unit, and a slant (units right per unit up).
#[derive(Clone, Copy)]
struct Place {
    x: f32,
    y: f32,
    scale: f32,
    slant: f32,
}

impl Place {
    fn map(&self, units: &[Point]) -> Vec<Point> {
        units
            .iter()
            .map(|u| {
                point(
                    self.x + self.scale * (u.x + self.slant * (100.0 - u.y)),
                    self.y + self.scale * u.y,
                )
            })
            .collect()
    }
}

/// Points on a circle (y down, angles in radians, clockwise on screen).
fn arc(centre: Point, radius: f32, from: f32, to: f32) -> Vec<Point> {
    const STEPS: usize = 32;
    (0..=STEPS)
        .map(|step| from + (to - from) * step as f32 / STEPS as f32)
        .map(|angle| {
            point(
                centre.x + radius * angle.cos(),
                centre.y + radius * angle.sin(),
            )
        })
        .collect()
}

/// The digits of "120" as centre lines in a box 100 units high, with their
/// advance widths: a flagged 1, a 2 whose diagonal leaves its bowl on the
/// tangent, a stadium 0.
fn digit(which: char) -> (Vec<Vec<Point>>, f32) {
    const INSET: f32 = 9.0;
    const BOWL: f32 = 22.0;
    let (left, right) = (INSET, INSET + 2.0 * BOWL);
    let top_centre = point(INSET + BOWL, INSET + BOWL);
    match which {
        '1' => (
            vec![vec![
                point(4.0, 26.0),
                point(24.0, INSET),
                point(24.0, 91.0),
            ]],
            36.0,
        ),
        '2' => {
            let corner = point(left, 100.0 - INSET);
            // The tangent from the bottom-left corner to the bowl, right side.
            let (dx, dy) = (corner.x - top_centre.x, corner.y - top_centre.y);
            let leave = dy.atan2(dx) - (BOWL / dx.hypot(dy)).acos();
            let mut line = arc(
                top_centre,
                BOWL,
                std::f32::consts::PI - 0.3,
                2.0 * std::f32::consts::PI + leave,
            );
            line.extend([corner, point(right, 100.0 - INSET)]);
            (vec![line], 62.0)
        }
        _ => {
            use std::f32::consts::PI;
            let bottom_centre = point(top_centre.x, 100.0 - INSET - BOWL);
            let mut line = arc(top_centre, BOWL, PI, 2.0 * PI);
            line.extend(arc(bottom_centre, BOWL, 0.0, PI));
            line.push(point(left, top_centre.y));
            (vec![line], 62.0)
        }
    }
}

/// 沪积分 as strokes in a box 100 units square: enough to read as the
/// site's name at the size of a heading.
const NAME_GLYPHS: [&[&[(f32, f32)]]; 3] = [
    // 沪: 氵 and 户.
    &[
        &[(10.0, 14.0), (20.0, 24.0)],
        &[(5.0, 41.0), (17.0, 50.0)],
        &[(8.0, 90.0), (24.0, 62.0)],
        &[(60.0, 4.0), (66.0, 13.0)],
        &[(38.0, 24.0), (88.0, 24.0), (88.0, 52.0), (38.0, 52.0)],
        &[(38.0, 24.0), (38.0, 62.0), (33.0, 82.0), (24.0, 95.0)],
    ],
    // 积: 禾 and 只.
    &[
        &[(34.0, 7.0), (8.0, 15.0)],
        &[(4.0, 34.0), (42.0, 34.0)],
        &[(22.0, 14.0), (22.0, 96.0)],
        &[(22.0, 40.0), (4.0, 72.0)],
        &[(25.0, 46.0), (38.0, 58.0)],
        &[
            (55.0, 12.0),
            (93.0, 12.0),
            (93.0, 56.0),
            (55.0, 56.0),
            (55.0, 12.0),
        ],
        &[(66.0, 70.0), (55.0, 92.0)],
        &[(82.0, 70.0), (95.0, 92.0)],
    ],
    // 分: 八 and 刀.
    &[
        &[(40.0, 8.0), (8.0, 44.0)],
        &[(58.0, 8.0), (94.0, 42.0)],
        &[
            (22.0, 52.0),
            (78.0, 52.0),
            (77.0, 88.0),
            (70.0, 95.0),
            (60.0, 92.0),
        ],
        &[(48.0, 52.0), (44.0, 74.0), (26.0, 96.0)],
    ],
];

fn draw_glyph(canvas: &mut Canvas, strokes: &[&[(f32, f32)]], place: Place, colour: Rgb) {
    for stroke in strokes {
        let units: Vec<Point> = stroke.iter().map(|&(x, y)| point(x, y)).collect();
        canvas.stroke(place.map(&units), 6.0 * place.scale, colour);
    }
}

/// The site's header brand, "[沪]积分", white on the card.
fn draw_brand(canvas: &mut Canvas) {
    let (x, y, size) = (90.0, 64.0, 84.0);
    let mark = Shape::Box {
        left: x,
        top: y,
        right: x + size,
        bottom: y + size,
        radius: 18.0,
    };
    canvas.fill(&mark, WHITE, 1.0);
    let inner = Place {
        x: x + 14.0,
        y: y + 14.0,
        scale: (size - 28.0) / 100.0,
        slant: 0.0,
    };
    draw_glyph(canvas, NAME_GLYPHS[0], inner, BRAND);
    for (index, glyph) in NAME_GLYPHS[1..].iter().enumerate() {
        let place = Place {
            x: x + size + 22.0 + index as f32 * (size + 10.0),
            y: y + 6.0,
            scale: (size - 12.0) / 100.0,
            slant: 0.0,
        };
        draw_glyph(canvas, glyph, place, WHITE);
    }
}

/// "120", bold and slightly slanted, its baseline at `BASELINE`.
fn draw_score(canvas: &mut Canvas) {
    let scale = 3.0;
    let mut x = 84.0;
    for which in ['1', '2', '0'] {
        let (lines, advance) = digit(which);
        let place = Place {
            x,
            y: BASELINE - 100.0 * scale,
            scale,
            slant: 0.12,
        };
        for line in lines {
            canvas.stroke(place.map(&line), 9.0 * scale, WHITE);
        }
        x += (advance + 14.0) * scale;
    }
    canvas.stroke(vec![point(96.0, 548.0), point(250.0, 548.0)], 7.0, GOLD);
}

const BASELINE: f32 = 490.0;

/// Rising bars, the last one past a dashed 120 line and ticked.
fn draw_bars(canvas: &mut Canvas) {
    let threshold = 205.0;
    let heights = [105.0, 150.0, 195.0, 240.0, 330.0];
    for (index, height) in heights.iter().enumerate() {
        let left = 760.0 + index as f32 * 70.0;
        let bar = Shape::Box {
            left,
            top: BASELINE - height,
            right: left + 48.0,
            bottom: BASELINE,
            radius: 10.0,
        };
        let last = index + 1 == heights.len();
        let (colour, opacity) = if last { (GOLD, 1.0) } else { (WHITE, 0.32) };
        canvas.fill(&bar, colour, opacity);
    }
    let mut x = 736.0;
    while x < 1112.0 {
        let dash = vec![point(x, threshold), point(x + 14.0, threshold)];
        canvas.fill(
            &Shape::Stroke {
                points: dash,
                radius: 2.5,
            },
            WHITE,
            0.9,
        );
        x += 26.0;
    }
    let baseline = vec![point(736.0, BASELINE + 6.0), point(1112.0, BASELINE + 6.0)];
    canvas.fill(
        &Shape::Stroke {
            points: baseline,
            radius: 2.0,
        },
        WHITE,
        0.6,
    );
    let tick_centre = point(1064.0, BASELINE - 330.0 - 50.0);
    canvas.stroke(vec![tick_centre], 30.0, WHITE);
    let tick = vec![
        point(tick_centre.x - 13.0, tick_centre.y + 1.0),
        point(tick_centre.x - 4.0, tick_centre.y + 10.0),
        point(tick_centre.x + 14.0, tick_centre.y - 10.0),
    ];
    canvas.stroke(tick, 5.0, BRAND);
}

fn draw() -> Canvas {
    let mut canvas = Canvas::gradient(BRAND, mix(BRAND, BRAND_DARK, 0.8));
    // A large faint disc in the corner gives the flat colour some depth.
    canvas.fill(
        &Shape::Stroke {
            points: vec![point(1130.0, 20.0)],
            radius: 300.0,
        },
        WHITE,
        0.06,
    );
    draw_brand(&mut canvas);
    draw_score(&mut canvas);
    draw_bars(&mut canvas);
    canvas
}

/// The card as a PNG file.
pub fn png() -> Result<Vec<u8>, png::EncodingError> {
    let pixels = draw().rgb_bytes();
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    // Measured on this card: unfiltered rows at zlib level 9 are the
    // smallest (44 KB against 53 KB adaptive), since most rows repeat the
    // one above shifted by a pixel and deflate finds that unaided.
    encoder.set_filter(png::Filter::NoFilter);
    encoder.set_deflate_compression(png::DeflateCompression::Level(9));
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&pixels)?;
    writer.finish()?;
    Ok(bytes)
}
