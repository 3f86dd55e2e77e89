//! The engine against tract on a small graph of every operator and form it supports.

use crate::pb::tensor_proto::DataType;
use crate::{Net, pb};
use pb::attribute_proto::AttributeType;
use tract_onnx::prelude::*;

/// A graph under construction, its weights pseudo-random.
struct Graph {
    g: pb::GraphProto,
    seed: u64,
}

impl Graph {
    fn random(&mut self, n: usize) -> Vec<f32> {
        (0..n)
            .map(|_| {
                self.seed ^= self.seed << 13;
                self.seed ^= self.seed >> 7;
                self.seed ^= self.seed << 17;
                (self.seed >> 40) as f32 / (1 << 23) as f32 - 1.0
            })
            .collect()
    }

    /// A float initializer, alternately as `float_data` and as `raw_data`.
    fn weights(&mut self, name: &str, dims: &[i64]) -> String {
        let v = self.random(dims.iter().product::<i64>() as usize);
        let mut t = pb::TensorProto {
            name: name.into(),
            dims: dims.to_vec(),
            data_type: DataType::Float as i32,
            ..Default::default()
        };
        if self.g.initializer.len().is_multiple_of(2) {
            t.float_data = v;
        } else {
            t.raw_data = v.iter().flat_map(|x| x.to_le_bytes()).collect();
        }
        self.g.initializer.push(t);
        name.into()
    }

    fn int64s(&mut self, name: &str, v: &[i64]) -> String {
        self.g.initializer.push(pb::TensorProto {
            name: name.into(),
            dims: vec![v.len() as i64],
            data_type: DataType::Int64 as i32,
            int64_data: v.to_vec(),
            ..Default::default()
        });
        name.into()
    }

    fn node(
        &mut self,
        op: &str,
        inputs: &[&str],
        output: &str,
        attribute: Vec<pb::AttributeProto>,
    ) -> String {
        self.g.node.push(pb::NodeProto {
            op_type: op.into(),
            name: output.into(),
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec![output.into()],
            attribute,
            ..Default::default()
        });
        output.into()
    }
}

fn ints(name: &str, v: &[i64]) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        r#type: AttributeType::Ints as i32,
        ints: v.to_vec(),
        ..Default::default()
    }
}

fn int(name: &str, v: i64) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        r#type: AttributeType::Int as i32,
        i: v,
        ..Default::default()
    }
}

fn info(name: &str, shape: &[i64]) -> pb::ValueInfoProto {
    use pb::tensor_shape_proto::{Dimension, dimension::Value};
    pb::ValueInfoProto {
        name: name.into(),
        r#type: Some(pb::TypeProto {
            value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor {
                elem_type: DataType::Float as i32,
                shape: Some(pb::TensorShapeProto {
                    dim: shape
                        .iter()
                        .map(|&d| Dimension {
                            value: Some(Value::DimValue(d)),
                            ..Default::default()
                        })
                        .collect(),
                }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Every operator and form the engine supports, in a small graph: an ungrouped strided
/// convolution over more than one block of input channels, its output read twice (so
/// emitted, with a separate `Relu` and `Add`), a padded max pool, channel padding both read
/// in place (a residual folded into a convolution) and copied (read by a convolution),
/// a strided depthwise convolution reaching past the right and bottom edges, and the
/// transpositions and reshapes of the outputs.
fn model() -> pb::ModelProto {
    let mut g = Graph {
        g: pb::GraphProto::default(),
        seed: 0x9e37_79b9_7f4a_7c15,
    };
    g.g.input.push(info("x", &[1, 7, 9, 10]));
    let t = g.node("Transpose", &["x"], "t", vec![ints("perm", &[0, 3, 1, 2])]);
    let (w, b) = (g.weights("w1", &[12, 10, 3, 3]), g.weights("b1", &[12]));
    let conv = [
        ints("strides", &[2, 2]),
        ints("pads", &[1, 0, 2, 1]),
        ints("kernel_shape", &[3, 3]),
    ];
    let c1 = g.node("Conv", &[&t, &w, &b], "c1", conv.to_vec()); // [1, 12, 4, 4]
    let r1 = g.node("Relu", &[&c1], "r1", vec![]);
    let a = g.node("Add", &[&c1, &r1], "a", vec![]);
    let pool = vec![
        ints("kernel_shape", &[3, 3]),
        ints("strides", &[2, 2]),
        ints("pads", &[1, 1, 1, 1]),
    ];
    let m = g.node("MaxPool", &[&a], "m", pool); // [1, 12, 2, 2]
    let shape = g.int64s("shape", &[1, 4, 2, 2]);
    let zero = pb::AttributeProto {
        name: "value".into(),
        r#type: AttributeType::Tensor as i32,
        t: Some(pb::TensorProto {
            dims: vec![1],
            data_type: DataType::Float as i32,
            float_data: vec![0.0],
            ..Default::default()
        }),
        ..Default::default()
    };
    let z = g.node("ConstantOfShape", &[&shape], "z", vec![zero]);
    let padded = g.node("Concat", &[&m, &z], "padded", vec![int("axis", 1)]); // [1, 16, 2, 2]
    let (w, b) = (g.weights("w2", &[16, 12, 1, 1]), g.weights("b2", &[16]));
    let q = g.node("Conv", &[&m, &w, &b], "q", vec![]);
    let sum = g.node("Add", &[&padded, &q], "sum", vec![]);
    let r2 = g.node("Relu", &[&sum], "r2", vec![]);
    let (w, b) = (g.weights("w3", &[8, 16, 1, 1]), g.weights("b3", &[8]));
    let p = g.node("Conv", &[&padded, &w, &b], "p", vec![]); // [1, 8, 2, 2]
    let w = g.weights("w4", &[12, 1, 3, 3]);
    let dw = vec![
        int("group", 12),
        ints("strides", &[2, 2]),
        ints("pads", &[0, 0, 1, 1]),
    ];
    let d = g.node("Conv", &[&a, &w], "d", dw); // [1, 12, 2, 2]
    for (name, src, shape) in [
        ("y1", &r2, [1, 16, 4]),
        ("y2", &p, [1, 8, 4]),
        ("y3", &d, [1, 4, 12]),
    ] {
        let nhwc = g.node(
            "Transpose",
            &[src],
            &format!("{name}_t"),
            vec![ints("perm", &[0, 2, 3, 1])],
        );
        let to = g.int64s(&format!("{name}_shape"), &[0, shape[1], -1]);
        g.node("Reshape", &[&nhwc, &to], name, vec![]);
        g.g.output.push(info(name, &shape));
    }
    pb::ModelProto {
        ir_version: 7,
        opset_import: vec![pb::OperatorSetIdProto {
            domain: String::new(),
            version: 13,
        }],
        graph: Some(g.g),
        ..Default::default()
    }
}

#[test]
fn runs_every_supported_form_as_tract_does() {
    let proto = model();
    let net = Net::from_onnx(&proto).expect("engine");
    assert_eq!(net.input_shape(), [1, 7, 9, 10]);
    let plan = tract_onnx::onnx()
        .model_for_proto_model(&proto)
        .expect("model")
        .into_optimized()
        .expect("optimised")
        .into_runnable()
        .expect("runnable");
    let mut g = Graph {
        g: pb::GraphProto::default(),
        seed: 7,
    };
    for _ in 0..3 {
        let input = g.random(7 * 9 * 10);
        let ours = net.run(&input).expect("run");
        let x = tract_ndarray::Array4::from_shape_vec((1, 7, 9, 10), input).expect("shape");
        let theirs = plan.run(tvec!(Tensor::from(x).into_tvalue())).expect("run");
        assert_eq!(ours.len(), 3);
        for (o, t) in ours.iter().zip(&theirs) {
            assert_eq!(o.shape, t.shape(), "{}", o.name);
            let t = t.as_slice::<f32>().expect("f32");
            for (a, b) in o.data.iter().zip(t) {
                assert!((a - b).abs() < 1e-4, "{}: {a} against {b}", o.name);
            }
            assert!(o.data.iter().any(|&v| v != 0.0), "{}", o.name);
        }
    }
    // Runs one after another share one set of buffers.
    assert_eq!(net.spare.lock().map(|s| s.len()).unwrap_or(0), 1);
}

#[test]
fn refuses_what_it_does_not_support() {
    let err = |edit: &dyn Fn(&mut pb::GraphProto)| {
        let mut proto = model();
        edit(proto.graph.as_mut().expect("graph"));
        Net::from_onnx(&proto).expect_err("unsupported").0
    };
    let node = |g: &mut pb::GraphProto, name: &str| -> usize {
        g.node.iter().position(|n| n.name == name).expect("node")
    };
    let e = err(&|g| {
        let i = node(g, "a");
        g.node[i].op_type = "Mul".into();
    });
    assert!(e.contains("\"a\"") && e.contains("Mul"), "{e}");
    let e = err(&|g| {
        let i = node(g, "c1");
        g.node[i].attribute.push(ints("dilations", &[2, 2]));
    });
    assert!(e.contains("dilations"), "{e}");
    let e = err(&|g| {
        let i = node(g, "d");
        g.node[i].attribute[0] = int("group", 3);
    });
    assert!(e.contains("group 3"), "{e}");
    let e = err(&|g| {
        let i = node(g, "t");
        g.node[i].attribute[0] = ints("perm", &[0, 2, 1, 3]);
    });
    assert!(e.contains("permutation"), "{e}");
    let e = err(&|g| {
        let i = node(g, "padded");
        g.node[i].attribute[0] = int("axis", 2);
    });
    assert!(e.contains("axis 2"), "{e}");
    let e = err(&|g| {
        let i = node(g, "z");
        if let Some(t) = g.node[i].attribute[0].t.as_mut() {
            t.float_data = vec![1.0];
        }
    });
    assert!(e.contains("zero"), "{e}");
    let e = err(&|g| g.initializer.retain(|t| t.name != "w2"));
    assert!(e.contains("w2"), "{e}");
}

#[test]
fn checks_the_input_size() {
    let net = Net::from_onnx(&model()).expect("engine");
    assert!(net.run(&[0.0; 10]).is_err());
}
