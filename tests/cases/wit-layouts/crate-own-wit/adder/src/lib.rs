wit_bindgen::generate!({ world: "docs:calc/adder@0.1.0" });
