//! The fixed component whose function parameters `invoke_call` converts
//! arguments for: one function per family of component-model types.

use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, Type};
use wit_parser::{LiftLowerAbi, ManglingAndAbi, Resolve};

/// The component's WIT.
pub const WIT: &str = r#"
package fuzz:types;

interface shapes {
  record point { x: u32, y: s64, label: string, nick: option<string> }
  enum kind { square, triangle, circle-ish }
  flags perms { read, write, exec }
  variant shape { none, circle(f32), at(point), named(string), kinds(list<kind>) }
  record nested {
    points: list<point>,
    shape: shape,
    pair: tuple<u8, char>,
    outcome: result<u32, string>,
    perms: perms,
    deep: option<option<result<_, kind>>>,
  }
}

world types {
  use shapes.{point, kind, perms, shape, nested};
  export scalars: func(a: bool, b: s8, c: u8, d: s16, e: u16, f: s32, g: u32, h: s64, i: u64) -> u32;
  export floats: func(a: f32, b: f64, c: list<f32>) -> f64;
  export text: func(c: char, s: string, l: list<string>) -> string;
  export point-of: func(p: point) -> point;
  export kind-of: func(k: kind, p: perms) -> kind;
  export shape-of: func(s: shape) -> shape;
  export nested-of: func(n: nested) -> nested;
  export options: func(a: option<u32>, b: option<option<string>>, c: option<point>) -> u32;
  export results: func(a: result<u32, string>, b: result, c: result<_, kind>, d: result<option<u8>>) -> u32;
  export tuples: func(t: tuple<u32, string, f64>, u: tuple<tuple<bool>, list<tuple<s8, s8>>>) -> u32;
  export lists: func(a: list<u8>, b: list<list<s32>>, c: list<shape>) -> u32;
  export maps: func(a: map<string, u32>, b: map<u32, list<point>>) -> u32;
}
"#;

/// Builds and compiles the component, and lists its functions with their
/// parameters.
pub fn functions() -> Vec<(String, Vec<(String, Type)>)> {
    let host = wcomp_host::Host::builder()
        .build()
        .expect("the host's engine");
    let engine = host.engine();
    let component =
        Component::from_binary(engine, &encode()).expect("the types component compiles");
    component
        .component_type()
        .exports(engine)
        .filter_map(|(name, item)| match item.ty {
            ComponentItem::ComponentFunc(f) => Some((
                name.to_owned(),
                f.params().map(|(n, t)| (n.to_owned(), t)).collect(),
            )),
            _ => None,
        })
        .collect()
}

/// The component's binary: a dummy core module for [`WIT`], componentized.
fn encode() -> Vec<u8> {
    let mut resolve = Resolve::new();
    let package = resolve
        .push_str("types.wit", WIT)
        .expect("the types WIT parses");
    let world = resolve
        .select_world(&[package], Some("types"))
        .expect("the types world");
    let mut module =
        wit_component::dummy_module(&resolve, world, ManglingAndAbi::Legacy(LiftLowerAbi::Sync));
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        wit_component::StringEncoding::UTF8,
        false,
    )
    .expect("metadata embeds");
    wit_component::ComponentEncoder::default()
        .module(&module)
        .expect("the module is a component's")
        .validate(true)
        .encode()
        .expect("the types component encodes")
}
