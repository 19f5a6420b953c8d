//! `--invoke` on a WAT fixture of echo functions: WAVE round trips for
//! every kind of value WAVE writes, maps included (Wasmtime 48 supports
//! `map<K, V>` once enabled, and the host enables it), and calls the host
//! refuses, each pointing at the part of the call that is wrong.

use crate::support;

use std::sync::OnceLock;

use support::*;
use wcomp_host::{Invocation, Loaded, RunError};

/// Where a multi-value echo writes its result.
const RETURN_AREA: u32 = 1024;

/// Every echo function: its name, its WIT type and its core parameters.
const ECHOES: &[(&str, &str, &[&str])] = &[
    ("echo-bool", "bool", &["i32"]),
    ("echo-u8", "u8", &["i32"]),
    ("echo-u16", "u16", &["i32"]),
    ("echo-u32", "u32", &["i32"]),
    ("echo-u64", "u64", &["i64"]),
    ("echo-s8", "s8", &["i32"]),
    ("echo-s16", "s16", &["i32"]),
    ("echo-s32", "s32", &["i32"]),
    ("echo-s64", "s64", &["i64"]),
    ("echo-f32", "f32", &["f32"]),
    ("echo-f64", "f64", &["f64"]),
    ("echo-char", "char", &["i32"]),
    ("echo-string", "string", &["i32", "i32"]),
    ("echo-list", "list<u32>", &["i32", "i32"]),
    ("echo-strings", "list<string>", &["i32", "i32"]),
    ("echo-option", "option<u32>", &["i32", "i32"]),
    ("echo-result", "result<u32, string>", &["i32", "i32", "i32"]),
    (
        "echo-tuple",
        "tuple<u32, string, bool>",
        &["i32", "i32", "i32", "i32"],
    ),
    ("echo-point", "point", &["f32", "f32"]),
    (
        "echo-person",
        "person",
        &["i32", "i32", "i32", "i32", "i32", "i32"],
    ),
    ("echo-shape", "shape", &["i32", "i32", "i32"]),
    ("echo-color", "color", &["i32"]),
    ("echo-perms", "perms", &["i32"]),
    ("echo-map", "map<string, u32>", &["i32", "i32"]),
];

const TYPES: &str = r#"
  record point { x: f32, y: f32 }
  record person { name: string, age: u32, nick: option<string> }
  variant shape { empty, circle(u32), label(string) }
  enum color { red, green, blue }
  flags perms { read, write, exec }
"#;

/// A core function `name` returning its parameters: a single value as it
/// came, several through the return area, each in the next 4-byte slot
/// (the canonical ABI layout of every multi-value type echoed here).
fn echo_function(name: &str, params: &[&str]) -> String {
    let list = params.join(" ");
    if let [ty] = params {
        return format!(r#"(func (export "{name}") (param {ty}) (result {ty}) local.get 0)"#);
    }
    let stores: String = params
        .iter()
        .enumerate()
        .map(|(i, ty)| {
            format!(
                "({ty}.store offset={} (i32.const {RETURN_AREA}) (local.get {i}))\n",
                4 * i
            )
        })
        .collect();
    format!(
        r#"(func (export "{name}") (param {list}) (result i32) {stores} (i32.const {RETURN_AREA}))"#
    )
}

/// The echo fixture, loaded once for every test of this file.
fn echo() -> &'static Loaded {
    static ECHO: OnceLock<Loaded> = OnceLock::new();
    ECHO.get_or_init(|| {
        let world: String = ECHOES
            .iter()
            .map(|(name, ty, _)| format!("  export {name}: func(x: {ty}) -> {ty};\n"))
            .collect();
        let body: String = ECHOES
            .iter()
            .map(|(name, _, params)| echo_function(name, params) + "\n")
            .collect();
        load(
            "echo.wasm",
            &component(&format!("{TYPES}{world}"), "", &body),
        )
    })
}

async fn call(text: &str) -> Result<Invocation, RunError> {
    invoke(echo(), text).await
}

/// Calls `text` and checks the WAVE that comes back, and that it is no `err`.
async fn round_trip(text: &str, expected: &str) {
    let out = call(text).await.unwrap_or_else(|e| panic!("{text}: {e:?}"));
    assert_eq!(out.results, [expected], "{text}");
    assert!(!out.failed && !out.stdout_taken, "{text}: {out:?}");
}

#[tokio::test]
async fn bools() {
    round_trip("echo-bool(true)", "true").await;
    round_trip("echo-bool(false)", "false").await;
}

#[tokio::test]
async fn unsigned_integers_at_their_limits() {
    round_trip("echo-u8(255)", "255").await;
    round_trip("echo-u16(65535)", "65535").await;
    round_trip("echo-u32(4294967295)", "4294967295").await;
    round_trip("echo-u64(18446744073709551615)", "18446744073709551615").await;
}

#[tokio::test]
async fn signed_integers_at_their_limits() {
    round_trip("echo-s8(-128)", "-128").await;
    round_trip("echo-s16(-32768)", "-32768").await;
    round_trip("echo-s32(-2147483648)", "-2147483648").await;
    round_trip("echo-s64(-9223372036854775808)", "-9223372036854775808").await;
    round_trip("echo-s64(9223372036854775807)", "9223372036854775807").await;
}

#[tokio::test]
async fn floats() {
    round_trip("echo-f32(1.5)", "1.5").await;
    round_trip("echo-f32(-0.25)", "-0.25").await;
    round_trip("echo-f64(-2.5e-3)", "-0.0025").await;
    // The largest magnitudes are accepted; WAVE writes them out in full.
    round_trip(
        "echo-f32(3.4e38)",
        "340000000000000000000000000000000000000",
    )
    .await;
}

#[tokio::test]
async fn infinities_and_nan_are_written_out() {
    for ty in ["f32", "f64"] {
        round_trip(&format!("echo-{ty}(inf)"), "inf").await;
        round_trip(&format!("echo-{ty}(-inf)"), "-inf").await;
        round_trip(&format!("echo-{ty}(nan)"), "nan").await;
    }
}

#[tokio::test]
async fn chars() {
    round_trip("echo-char('x')", "'x'").await;
    round_trip("echo-char('☃')", "'☃'").await;
    round_trip(r"echo-char('\n')", r"'\n'").await;
}

#[tokio::test]
async fn strings() {
    round_trip(r#"echo-string("hello, world")"#, r#""hello, world""#).await;
    round_trip(
        r#"echo-string("quote \" and\nline")"#,
        r#""quote \" and\nline""#,
    )
    .await;
    round_trip(r#"echo-string("")"#, r#""""#).await;
}

#[tokio::test]
async fn lists() {
    round_trip("echo-list([1, 2, 3])", "[1, 2, 3]").await;
    round_trip("echo-list([])", "[]").await;
    round_trip(r#"echo-strings(["a", "b c", ""])"#, r#"["a", "b c", ""]"#).await;
}

#[tokio::test]
async fn options() {
    round_trip("echo-option(some(7))", "some(7)").await;
    round_trip("echo-option(none)", "none").await;
    // WAVE lets `some(x)` be written `x`.
    round_trip("echo-option(7)", "some(7)").await;
}

#[tokio::test]
async fn an_ok_result() {
    round_trip("echo-result(ok(7))", "ok(7)").await;
}

#[tokio::test]
async fn an_err_result_is_shown_and_marks_the_call_failed() {
    let out = call(r#"echo-result(err("bad"))"#).await.unwrap();
    assert_eq!(out.results, [r#"err("bad")"#]);
    assert!(out.failed);
}

#[tokio::test]
async fn tuples() {
    round_trip(r#"echo-tuple((1, "two", true))"#, r#"(1, "two", true)"#).await;
}

#[tokio::test]
async fn records() {
    round_trip("echo-point({x: 1.5, y: -2})", "{x: 1.5, y: -2}").await;
    round_trip(
        r#"echo-person({name: "ann", age: 40, nick: some("annie")})"#,
        r#"{name: "ann", age: 40, nick: some("annie")}"#,
    )
    .await;
    // An `option` field may be left out; `none` is not shown.
    round_trip(
        r#"echo-person({age: 40, name: "ann"})"#,
        r#"{name: "ann", age: 40}"#,
    )
    .await;
}

#[tokio::test]
async fn variants_with_and_without_payload() {
    round_trip("echo-shape(empty)", "empty").await;
    round_trip("echo-shape(circle(3))", "circle(3)").await;
    round_trip(r#"echo-shape(label("x"))"#, r#"label("x")"#).await;
}

#[tokio::test]
async fn enums() {
    round_trip("echo-color(red)", "red").await;
    round_trip("echo-color(blue)", "blue").await;
}

#[tokio::test]
async fn flags_none_some_and_all() {
    round_trip("echo-perms({})", "{}").await;
    round_trip("echo-perms({exec, read})", "{read, exec}").await;
    round_trip("echo-perms({read, write, exec})", "{read, write, exec}").await;
}

#[tokio::test]
async fn maps() {
    round_trip(r#"echo-map({"a": 1, "b": 2})"#, r#"{"a": 1, "b": 2}"#).await;
    round_trip("echo-map({:})", "{}").await;
}

/// Why the host refuses the call `text` on the echo fixture.
async fn refused_call(text: &str) -> Refused {
    refused(call(text).await.expect_err(text))
}

#[tokio::test]
async fn too_many_arguments() {
    let r = refused_call("echo-u8(1, 2)").await;
    assert_eq!(r.message, "`echo-u8` takes 1 argument(s), 2 given");
    assert_eq!(r.at, "1, 2");
    assert_eq!(r.help, "its parameters are (x)");
}

#[tokio::test]
async fn too_few_arguments_point_at_the_parenthesis() {
    let r = refused_call("echo-u8()").await;
    assert_eq!(r.message, "`echo-u8` takes 1 argument(s), 0 given");
    assert_eq!(r.at, ")");
}

#[tokio::test]
async fn bad_wave_points_into_the_argument() {
    let r = refused_call(r#"echo-u32("x")"#).await;
    assert!(r.message.starts_with("argument `x`: "), "{}", r.message);
    assert_eq!(
        (r.at.as_str(), r.label.as_str()),
        (r#""x""#, "expected u32")
    );

    let r = refused_call(r#"echo-list([1, "two", 3])"#).await;
    assert_eq!(
        (r.at.as_str(), r.label.as_str()),
        (r#""two""#, "expected list<u32>")
    );
}

#[tokio::test]
async fn an_integer_out_of_range_is_refused() {
    let r = refused_call("echo-u8(256)").await;
    assert_eq!(r.message, "argument `x`: invalid value");
    assert_eq!(r.at, "256");
}

#[tokio::test]
async fn a_missing_payload_is_named() {
    let r = refused_call("echo-shape(circle)").await;
    assert_eq!(
        r.message,
        r#"argument `x`: missing payload for "circle" case"#
    );
    assert_eq!(r.at, "circle");
}

#[tokio::test]
async fn floats_out_of_range_are_refused() {
    for (text, literal, ty) in [
        ("echo-f32(1e400)", "1e400", "f32"),
        ("echo-f64(1e400)", "1e400", "f64"),
        ("echo-f32(-1e39)", "-1e39", "f32"),
        ("echo-point({x: 0, y: 1e39})", "1e39", "f32"),
    ] {
        let r = refused_call(text).await;
        assert_eq!(
            r.message,
            format!("argument `x`: `{literal}` is out of range for an `{ty}`"),
            "{text}"
        );
        assert_eq!(r.at, literal, "{text}");
        assert!(
            r.help.contains("write `inf` or `-inf`"),
            "{text}: {}",
            r.help
        );
    }
}

#[tokio::test]
async fn an_unknown_record_field_is_named_with_the_fields() {
    let r = refused_call(r#"echo-person({name: "a", age: 3, nickname: "b"})"#).await;
    assert_eq!(r.message, "argument `x`: unknown field `nickname`");
    assert_eq!(r.at, r#"nickname: "b""#);
    assert_eq!(r.help, "the record's fields are `name`, `age`, `nick`");
}

#[tokio::test]
async fn a_missing_record_field_is_named_with_the_fields() {
    let r = refused_call(r#"echo-person({name: "a"})"#).await;
    assert_eq!(r.message, "argument `x`: missing field `age`");
    assert_eq!(
        (r.at.as_str(), r.label.as_str()),
        (r#"{name: "a"}"#, "`age` is missing")
    );
    assert!(
        r.help
            .starts_with("the record's fields are `name`, `age`, `nick`"),
        "{}",
        r.help
    );
}

#[tokio::test]
async fn an_unknown_enum_case_is_named_with_the_cases() {
    let r = refused_call("echo-color(purple)").await;
    assert_eq!(r.message, "argument `x`: unknown enum case `purple`");
    assert_eq!(r.at, "purple");
    assert_eq!(r.help, "the enum's cases are `red`, `green`, `blue`");
}

#[tokio::test]
async fn an_unknown_variant_case_is_named_with_the_cases() {
    let r = refused_call("echo-shape(square(2))").await;
    assert_eq!(r.message, "argument `x`: unknown variant case `square`");
    assert_eq!(r.at, "square(2)");
    assert_eq!(
        r.help,
        "the variant's cases are `empty`, `circle(u32)`, `label(string)`"
    );
}

#[tokio::test]
async fn an_unknown_flag_is_named_with_the_flags() {
    let r = refused_call("echo-perms({read, admin})").await;
    assert_eq!(r.message, "argument `x`: unknown flag `admin`");
    assert_eq!(r.at, "admin");
    assert!(
        r.help.starts_with("the flags are `read`, `write`, `exec`"),
        "{}",
        r.help
    );
}

#[tokio::test]
async fn an_unknown_function_lists_the_exports() {
    let err = call("echo-u128(1)").await.unwrap_err();
    let RunError::NoSuchFunction {
        component,
        name,
        exports,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(
        (component.as_str(), name.as_str()),
        ("echo.wasm", "echo-u128")
    );
    let listed: Vec<&str> = exports.lines().map(str::trim).collect();
    let every: Vec<&str> = ECHOES.iter().map(|(name, _, _)| *name).collect();
    assert_eq!(listed, every);
}
