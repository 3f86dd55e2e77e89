//! Reading the ONNX protobuf: a node's attributes, static shapes, initializers' values.

use crate::pb;
use crate::pb::tensor_proto::DataType;
use crate::{NetError, fail};

/// A node's attributes.
pub(crate) struct Attrs<'g>(pub(crate) &'g pb::NodeProto);

impl<'g> Attrs<'g> {
    pub(crate) fn get(&self, name: &str) -> Option<&'g pb::AttributeProto> {
        self.0.attribute.iter().find(|a| a.name == name)
    }

    /// Fails on an attribute not in `known` (rather than ignoring what it asks for).
    pub(crate) fn only(&self, known: &[&str]) -> Result<(), NetError> {
        match self
            .0
            .attribute
            .iter()
            .find(|a| !known.contains(&a.name.as_str()))
        {
            Some(a) => fail(format!("attribute {:?} not supported", a.name)),
            None => Ok(()),
        }
    }

    pub(crate) fn int(&self, name: &str, default: i64) -> Result<i64, NetError> {
        match self.get(name) {
            Some(a) => Ok(a.i),
            None if default != i64::MAX => Ok(default),
            None => fail(format!("attribute {name:?} missing")),
        }
    }

    pub(crate) fn ints(&self, name: &str, default: Option<&[i64]>) -> Result<Vec<i64>, NetError> {
        match (self.get(name), default) {
            (Some(a), _) => Ok(a.ints.clone()),
            (None, Some(d)) => Ok(d.to_vec()),
            (None, None) => fail(format!("attribute {name:?} missing")),
        }
    }
}

pub(crate) fn dims(d: &[i64]) -> Result<Vec<usize>, NetError> {
    d.iter()
        .map(|&x| usize::try_from(x).map_err(|_| NetError(format!("negative dimension in {d:?}"))))
        .collect()
}

/// The static shape of a graph input or output.
pub(crate) fn value_shape(v: &pb::ValueInfoProto) -> Result<Vec<usize>, NetError> {
    use pb::tensor_shape_proto::dimension::Value as Dim;
    use pb::type_proto::Value as Type;
    let Some(Type::TensorType(t)) = v.r#type.as_ref().and_then(|t| t.value.as_ref()) else {
        return fail(format!("{:?} is not a tensor", v.name));
    };
    if t.elem_type != DataType::Float as i32 {
        return fail(format!("{:?} is not float", v.name));
    }
    t.shape
        .iter()
        .flat_map(|s| &s.dim)
        .map(|d| match d.value {
            Some(Dim::DimValue(n)) if n >= 0 => Ok(n as usize),
            _ => fail(format!("{:?} has a dynamic shape", v.name)),
        })
        .collect()
}

pub(crate) fn check_data(t: &pb::TensorProto, ty: DataType) -> Result<usize, NetError> {
    if t.data_type != ty as i32 {
        return fail(format!(
            "tensor {:?}: type {} where {ty:?} expected",
            t.name, t.data_type
        ));
    }
    if t.data_location
        .is_some_and(|l| l != pb::tensor_proto::DataLocation::Default as i32)
    {
        return fail(format!("tensor {:?}: external data not supported", t.name));
    }
    Ok(dims(&t.dims)?.iter().product())
}

/// A float initializer's values.
pub(crate) fn floats(t: &pb::TensorProto) -> Result<Vec<f32>, NetError> {
    values(t, DataType::Float, &t.float_data, f32::from_le_bytes)
}

/// An int64 initializer's values.
pub(crate) fn int64s(t: &pb::TensorProto) -> Result<Vec<i64>, NetError> {
    values(t, DataType::Int64, &t.int64_data, i64::from_le_bytes)
}

/// An initializer's values of type `ty`: from its typed field (`typed`), or from `raw_data`,
/// little-endian, `N` bytes each.
pub(crate) fn values<T: Copy, const N: usize>(
    t: &pb::TensorProto,
    ty: DataType,
    typed: &[T],
    from_le: fn([u8; N]) -> T,
) -> Result<Vec<T>, NetError> {
    let n = check_data(t, ty)?;
    let v: Vec<T> = if t.raw_data.is_empty() {
        typed.to_vec()
    } else {
        t.raw_data
            .as_chunks::<N>()
            .0
            .iter()
            .map(|b| from_le(*b))
            .collect()
    };
    if v.len() != n || !t.raw_data.len().is_multiple_of(N) {
        return fail(format!(
            "tensor {:?}: {} values for {:?}",
            t.name,
            v.len(),
            t.dims
        ));
    }
    Ok(v)
}
