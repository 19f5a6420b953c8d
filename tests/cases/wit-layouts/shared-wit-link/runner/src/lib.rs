wit_bindgen::generate!({ world: "runner" });
