;;; emacs.el --- the bench's eyes inside Emacs + eglot, running in a terminal  -*- lexical-binding: t -*-
;; The keystrokes come from outside: bench/editors/run.py types C-t (insert a matching line at the
;; target line) and C-v (delete it) into the terminal, so they go through the command loop as a
;; user's do and eglot's idle timer sees real idleness.  This script binds those two keys, sets
;; the pattern with the README's `grepls-set-pattern', waits for flymake to hold the first
;; matches, and then, from a 1 ms timer that never blocks the command loop, writes an event
;; (wall-clock ns) each time the typed line's match appears on screen or goes.  With the channel
;; "highlight" (the README's highlight-only snippet) the match is a grepls overlay instead: one
;; on the typed line can only come from an answer about it, since the line is new and the
;; overlays evaporate with the text they cover.

(require 'json)
(require 'cl-lib)
(require 'seq)

(defvar grepls-bench-plan
  (let ((json-object-type 'alist) (json-key-type 'symbol))
    (json-read-file (getenv "GREPLS_BENCH_PLAN"))))
(defvar grepls-bench--mark nil "Start of the target line (stays there when a line is typed).")
(defvar grepls-bench--buffer nil)

(defun grepls-bench--get (key) (alist-get key grepls-bench-plan))

(defun grepls-bench--event (name &optional extra)
  (let ((line (format "{\"event\":%S,\"wall\":%d%s}\n" name
                      (truncate (* (float-time) 1e9)) (if extra (concat "," extra) ""))))
    (write-region line nil (grepls-bench--get 'events) 'append 'silent)))

(defun grepls-bench--fail (message)
  ;; What Emacs warned of and logged goes with the error: a failed run leaves nothing else.
  (let ((told (mapconcat (lambda (name)
                           (if (get-buffer name)
                               (with-current-buffer name
                                 (format "%s:\n%s" name (buffer-substring-no-properties
                                                         (max (point-min) (- (point-max) 2000))
                                                         (point-max))))
                             ""))
                         '("*Warnings*" "*Messages*") "\n")))
    (grepls-bench--event "error" (concat "\"message\":" (json-encode-string (concat message "\n" told)))))
  (kill-emacs 1))

(defun grepls-bench--every (seconds what step &optional deadline)
  "Call STEP every SECONDS until it returns non-nil; fail after DEADLINE seconds."
  (let* ((started (float-time)) (timer nil))
    (setq timer
          (run-at-time
           seconds seconds
           (lambda ()
             (condition-case error
                 (cond ((funcall step) (cancel-timer timer))
                       ((and deadline (> (- (float-time) started) deadline))
                        (cancel-timer timer)
                        (grepls-bench--fail (format "timed out waiting for %s" what))))
               (error (cancel-timer timer)
                      (grepls-bench--fail (format "%s: %S" what error)))))))))

(defun grepls-bench-insert ()
  "Insert the typed matching line at the target line."
  (interactive)
  (with-current-buffer grepls-bench--buffer
    (save-excursion
      (goto-char grepls-bench--mark)
      (insert (grepls-bench--get 'typed) "\n"))))

(defun grepls-bench-delete ()
  "Delete the target line (the typed one)."
  (interactive)
  (with-current-buffer grepls-bench--buffer
    (save-excursion
      (goto-char grepls-bench--mark)
      (delete-region (point) (1+ (line-end-position))))))

(defvar grepls-bench--last-shown nil "The diagnostic last seen on the typed line.")

(defun grepls-bench--typed-diagnostic ()
  "A diagnostic flymake holds for the typed line, made from a publish newer than the last seen.
The server's own line number is checked, not only where the overlay is: a diagnostic that
eglot has not replaced yet can sit at the typed line's place (an overlay stays where the
text it covered was deleted, and grows over text inserted there), and it would otherwise
count as the new match before eglot has read the publish that carries it."
  (with-current-buffer grepls-bench--buffer
    (save-excursion
      (goto-char grepls-bench--mark)
      (seq-find (lambda (diagnostic)
                  (let ((lsp (alist-get 'eglot-lsp-diag (flymake-diagnostic-data diagnostic))))
                    (and (not (eq diagnostic grepls-bench--last-shown))
                         (eql (plist-get (plist-get (plist-get lsp :range) :start) :line)
                              (grepls-bench--get 'line)))))
                (flymake-diagnostics (point) (line-end-position))))))

(defun grepls-bench--highlight-p () (equal (grepls-bench--get 'channel) "highlight"))

(defun grepls-bench--painted (pos)
  "How many grepls overlays cover text on the line at POS."
  (save-excursion
    (goto-char pos)
    (cl-count-if (lambda (o) (and (overlay-get o 'grepls) (< (overlay-start o) (overlay-end o))))
                 (overlays-in (line-beginning-position) (line-end-position)))))

(defun grepls-bench--target-shown-p ()
  (with-current-buffer grepls-bench--buffer
    (save-excursion
      (goto-char grepls-bench--mark)
      (and (flymake-diagnostics (point) (line-end-position)) t))))

(defun grepls-bench--watch ()
  (let ((want 'shown) (shown 0) (rounds (grepls-bench--get 'rounds)))
    (grepls-bench--event "ready" (format "\"version\":\"%s\"" emacs-version))
    (grepls-bench--every
     0.005 "the typed match"
     (lambda ()
       (let ((seen (cond
                    ((grepls-bench--highlight-p)
                     (let ((painted (> (grepls-bench--painted grepls-bench--mark) 0)))
                       (if (eq want 'shown) painted (not painted))))
                    ((eq want 'shown)
                     (let ((diagnostic (grepls-bench--typed-diagnostic)))
                       (when diagnostic (setq grepls-bench--last-shown diagnostic))))
                    (t (not (grepls-bench--target-shown-p))))))
         (when seen
           (redisplay t)
           (grepls-bench--event (symbol-name want))
           (if (eq want 'shown)
               (setq shown (1+ shown) want 'gone)
             (setq want 'shown))))
       (when (and (>= shown rounds) (eq want 'shown))
         (grepls-bench--event "done")
         (kill-emacs 0)
         t)))))

(defvar grepls-bench--kept (grepls-bench--get 'patterns) "Patterns to add, or nil.")
(defvar grepls-bench--added 0 "How many of them the server has answered.")
(defvar grepls-bench--settled nil "Since when every pattern is added and the count expected.")
(defvar grepls-bench--last-below nil "Highlights: the count below the target line last seen.")

(defvar grepls-bench--below nil "Highlights: the count painted on the line below the target.")

(defun grepls-bench--first-shown-p ()
  "Whether the first matches are shown: flymake holds the expected count, or (highlights) the
match on the line below the target line (a `TODO' line, on screen) is painted — for the floor,
whose one match is elsewhere, anything."
  (if (not (grepls-bench--highlight-p))
      (>= (length (flymake-diagnostics)) (grepls-bench--get 'expected))
    (save-excursion
      (goto-char (point-min))
      (forward-line (1+ (grepls-bench--get 'line)))
      (setq grepls-bench--below (grepls-bench--painted (point)))
      (if (> (grepls-bench--get 'expected) 1)
          (> grepls-bench--below 0)
        grepls-bench--answered))))

(defvar grepls-bench--answered nil "Highlights: whether an answer has been painted yet.")
(with-eval-after-load 'eglot
  (when (fboundp 'grepls--paint)
    (advice-add 'grepls--paint :after (lambda (&rest _) (setq grepls-bench--answered t)))))

(defun grepls-bench--settled ()
  "With kept patterns: whether each is added and flymake has held exactly the expected count
for 0.2 s (the settings, with the cap, may be answered after the first patterns were shown);
with highlights, the count painted below the target line, steady for 0.2 s."
  (if (null grepls-bench--kept)
      t
    (if (or (< grepls-bench--added (length grepls-bench--kept))
            (if (grepls-bench--highlight-p)
                (not (eql grepls-bench--below (prog1 grepls-bench--last-below
                                                  (setq grepls-bench--last-below
                                                        grepls-bench--below))))
              (/= (length (flymake-diagnostics)) (grepls-bench--get 'expected))))
        (progn (setq grepls-bench--settled nil) nil)
      (setq grepls-bench--settled (or grepls-bench--settled (float-time)))
      (>= (- (float-time) grepls-bench--settled) 0.2))))

(defun grepls-bench--start ()
  (setq grepls-bench--buffer (get-file-buffer "file.txt"))
  (unless grepls-bench--buffer (grepls-bench--fail "file.txt is not open"))
  (global-set-key (kbd "C-t") #'grepls-bench-insert)
  (global-set-key (kbd "C-v") #'grepls-bench-delete)
  (grepls-bench--every
   0.01 "eglot to connect"
   (lambda ()
     (with-current-buffer grepls-bench--buffer
       (when (eglot-current-server)
         (when (grepls-bench--highlight-p)
           ;; Highlights are painted for the lines in view: look at the target line, as a user
           ;; typing there does.
           (goto-char (point-min))
           (forward-line (grepls-bench--get 'line))
           (let ((window (get-buffer-window grepls-bench--buffer)))
             (when window
               (set-window-point window (point))
               (with-selected-window window (recenter)))))
         (if (null grepls-bench--kept)
             (grepls-set-pattern (grepls-bench--get 'pattern))
           ;; Kept patterns in place of the search pattern, as grepls.addPattern adds them.
           (mapc (lambda (pattern)
                   (grepls--execute "grepls.addPattern" (list pattern)
                                    (lambda (_) (setq grepls-bench--added
                                                      (1+ grepls-bench--added)))))
                 grepls-bench--kept))
         (grepls-bench--every
          0.005 "the first matches"
          (lambda ()
            (with-current-buffer grepls-bench--buffer
              (when (and (grepls-bench--first-shown-p) (grepls-bench--settled))
                (goto-char (point-min))
                (forward-line (grepls-bench--get 'line))
                (setq grepls-bench--mark (copy-marker (point)))
                (redisplay t)
                (grepls-bench--watch)
                t)))
          (/ (grepls-bench--get 'wait_ms) 1000.0))
         t)))
   (/ (grepls-bench--get 'wait_ms) 1000.0)))

(run-at-time 0.05 nil #'grepls-bench--start)
