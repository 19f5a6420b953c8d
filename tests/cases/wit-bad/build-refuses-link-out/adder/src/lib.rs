wit_bindgen::generate!({ world: "adder" });
