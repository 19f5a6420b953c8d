;; A component whose metadata tries to retitle the terminal (OSC ... BEL),
;; clear the line (CR, ESC [2K) and the screen (ESC [2J).
(component
  (@producers
    (processed-by "evil\1b]0;pwned\07tool" "1.0\0d\1b[2K")
    (sdk "sdk\1b[2J" "")
  )
  (@custom "wcomp-capabilities" "cli\1b[31m: none\0a")
)
