//! The reference: the same ONNX model run by tract (a complete, independent ONNX runtime),
//! which the engine is tested against and benchmarked beside. Not used to run the detector.

use tract_onnx::prelude::*;

use crate::NetError;
use crate::pb;

/// tract reads `ConstantOfShape` without a `value` attribute as a tensor of another type than
/// the ONNX default (a float 0); BlazeFace's padding nodes have none, so give them that default
/// explicitly for tract. The engine takes the default itself; the model file stays as shipped.
pub fn fill_constant_of_shape(proto: &mut pb::ModelProto) {
    let Some(graph) = proto.graph.as_mut() else {
        return;
    };
    for node in graph
        .node
        .iter_mut()
        .filter(|n| n.op_type == "ConstantOfShape")
    {
        if node.attribute.iter().any(|a| a.name == "value") {
            continue;
        }
        node.attribute.push(pb::AttributeProto {
            name: "value".into(),
            r#type: pb::attribute_proto::AttributeType::Tensor as i32,
            t: Some(pb::TensorProto {
                dims: vec![1],
                data_type: pb::tensor_proto::DataType::Float as i32,
                float_data: vec![0.0],
                ..Default::default()
            }),
            ..Default::default()
        });
    }
}

/// One output: its shape and its values, row-major.
pub type Tensorlike = (Vec<usize>, Vec<f32>);

/// A model planned by tract for one input shape.
#[derive(Debug)]
pub struct Tract {
    plan: TypedRunnableModel<TypedModel>,
    shape: Vec<usize>,
}

impl Tract {
    /// Plans `proto` for an input of `shape` (row-major), with tract's optimisations.
    pub fn new(proto: &pb::ModelProto, shape: &[usize]) -> Result<Tract, NetError> {
        let mut proto = proto.clone();
        fill_constant_of_shape(&mut proto);
        let fail = |e: TractError| NetError(format!("{e:#}"));
        let plan = tract_onnx::onnx()
            .model_for_proto_model(&proto)
            .map_err(fail)?
            .with_input_fact(0, f32::fact(shape).into())
            .map_err(fail)?
            .into_optimized()
            .map_err(fail)?
            .into_runnable()
            .map_err(fail)?;
        Ok(Tract {
            plan,
            shape: shape.to_vec(),
        })
    }

    /// Runs the model on `input` (row-major, the planned shape): each output's shape and
    /// values.
    pub fn run(&self, input: &[f32]) -> Result<Vec<Tensorlike>, NetError> {
        let fail = |e: TractError| NetError(format!("{e:#}"));
        let tensor = Tensor::from_shape(&self.shape, input).map_err(fail)?;
        self.plan
            .run(tvec!(tensor.into_tvalue()))
            .map_err(fail)?
            .iter()
            .map(|o| {
                let data = o.as_slice::<f32>().map_err(fail)?.to_vec();
                Ok((o.shape().to_vec(), data))
            })
            .collect()
    }
}
