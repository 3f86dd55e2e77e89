//! The engine against tract on the model Rekam ships (MediaPipe BlazeFace, short range):
//! every output agrees on pictures of different kinds, within float precision.

use rekam_vision::reference::Tract;
use rekam_vision::{Net, parse};

static MODEL: &[u8] = include_bytes!("../../assets/models/blazeface-front-128.onnx");
const SIDE: usize = 128;

fn pictures() -> Vec<(&'static str, Vec<f32>)> {
    let n = SIDE * SIDE * 3;
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let noise: Vec<f32> = (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 40) as f32 / (1 << 23) as f32 - 1.0
        })
        .collect();
    let gradient = (0..n)
        .map(|i| ((i / 3) % SIDE) as f32 / SIDE as f32 * 2.0 - 1.0)
        .collect();
    let oval = (0..n)
        .map(|i| {
            let p = i / 3;
            let (x, y) = (
                (p % SIDE) as f32 / SIDE as f32 - 0.5,
                (p / SIDE) as f32 / SIDE as f32 - 0.45,
            );
            if x * x + y * y * 0.6 < 0.05 {
                0.7
            } else {
                -0.6
            }
        })
        .collect();
    vec![
        ("noise", noise),
        ("gradient", gradient),
        ("oval", oval),
        ("black", vec![-1.0; n]),
        ("white", vec![1.0; n]),
    ]
}

#[test]
fn the_engine_agrees_with_tract_on_blazeface() {
    let proto = parse(MODEL).expect("model");
    let net = Net::from_onnx(&proto).expect("engine");
    assert_eq!(net.input_shape(), [1, SIDE, SIDE, 3]);
    let tract = Tract::new(&proto, &[1, SIDE, SIDE, 3]).expect("tract");
    for (what, input) in pictures() {
        let ours = net.run(&input).expect("run");
        let theirs = tract.run(&input).expect("run");
        assert_eq!(ours.len(), theirs.len(), "{what}");
        for (o, (shape, t)) in ours.iter().zip(&theirs) {
            assert_eq!(&o.shape, shape, "{what}: {}", o.name);
            // 1e-3, more where the values are large (the sums run in another order).
            let range = t.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            let worst = o
                .data
                .iter()
                .zip(t)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max);
            assert!(
                worst <= 1e-3 + 2e-6 * range,
                "{what}: {}: max |diff| {worst} (values up to {range})",
                o.name
            );
        }
    }
}

#[test]
fn the_engine_names_what_it_cannot_run() {
    let mut proto = parse(MODEL).expect("model");
    let graph = proto.graph.as_mut().expect("graph");
    let node = graph
        .node
        .iter_mut()
        .find(|n| n.op_type == "Relu")
        .expect("a relu");
    node.op_type = "Sigmoid".into();
    let name = node.name.clone();
    let e = Net::from_onnx(&proto).expect_err("unsupported");
    assert!(e.0.contains("Sigmoid") && e.0.contains(&name), "{e}");
    assert!(parse(b"not a model").is_err());
}
