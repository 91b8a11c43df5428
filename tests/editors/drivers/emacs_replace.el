;;; emacs_replace.el --- drives Emacs + eglot through the README's replace  -*- lexical-binding: t -*-
;; Sets the pattern, runs `grepls-replace', undoes it, then picks the code actions "Replace this
;; match…" and "Replace all N matches…" with `eglot-code-actions', answering their prompts as a
;; user would (`completing-read' picks the title, `read-string' types the replacement; eglot's
;; "Server wants to edit … Proceed?" is answered yes and counted).  Records the buffer's lines
;; after each step into a JSON report; exits non-zero when a step times out or signals.

(require 'json)
(require 'cl-lib)

(defvar grepls-driver-plan
  (let ((json-object-type 'alist) (json-array-type 'list) (json-key-type 'symbol))
    (json-read-file (getenv "GREPLS_PLAN"))))
(defvar grepls-driver-phases nil)
(defvar grepls-driver-errors nil)
(defvar grepls-driver-prompts nil)
(defvar grepls-driver-confirmations 0)
(defvar grepls-driver-pick nil "The title (prefix) of the code action to pick.")
(defvar grepls-driver-type nil "What the user types when asked for a replacement.")

(defun grepls-driver--get (&rest keys)
  (let ((value grepls-driver-plan))
    (dolist (key keys value) (setq value (alist-get key value)))))

(defun grepls-driver--idle ()
  (dolist (timer (copy-sequence timer-idle-list))
    (when (memq timer timer-idle-list)
      (timer-event-handler timer))))

(defun grepls-driver--lines ()
  (let ((lines (split-string (buffer-substring-no-properties (point-min) (point-max)) "\n")))
    (if (equal (car (last lines)) "") (butlast lines) lines)))

(defun grepls-driver--wait (what predicate)
  (let ((deadline (+ (float-time) (/ (grepls-driver--get 'wait_ms) 1000.0))))
    (while (and (not (funcall predicate)) (< (float-time) deadline))
      (accept-process-output nil 0.02)
      (grepls-driver--idle))
    (unless (funcall predicate)
      (error "timed out waiting for %s; the buffer holds %S" what (grepls-driver--lines)))))

(defun grepls-driver--holds (name)
  (let ((expected (grepls-driver--get 'expected name)))
    (grepls-driver--wait (format "the %s text" name)
                         (lambda () (equal (grepls-driver--lines) expected)))))

(defun grepls-driver--record (name)
  (push `((name . ,name) (lines . ,(vconcat (grepls-driver--lines)))) grepls-driver-phases))

(defun grepls-driver--goto (line col)
  (goto-char (point-min))
  (forward-line line)
  (forward-char col))

;; The user's answers.
(advice-add 'y-or-n-p :override
            (lambda (_prompt) (cl-incf grepls-driver-confirmations) t))
(advice-add 'completing-read :override
            (lambda (_prompt collection &rest _)
              (or (cl-find-if (lambda (title) (string-prefix-p grepls-driver-pick title))
                              (mapcar (lambda (item) (if (consp item) (car item) item))
                                      collection))
                  (error "no code action titled %s" grepls-driver-pick))))
(advice-add 'read-string :override
            (lambda (prompt &rest _) (push prompt grepls-driver-prompts) grepls-driver-type))

(defun grepls-driver--code-action (title replacement line col)
  (grepls-driver--goto line col)
  (setq grepls-driver-pick title grepls-driver-type replacement)
  ;; A keyboard event, as after M-x: eglot asks with completing-read (not a mouse menu).
  (let ((last-nonmenu-event ?\r))
    (eglot-code-actions (point) (point) nil t)))

(defun grepls-driver--run ()
  (find-file (grepls-driver--get 'fixture))
  (apply #'eglot (eglot--guess-contact))
  (grepls-driver--wait "eglot to connect" #'eglot-current-server)
  (flymake-start)
  (grepls-set-pattern (grepls-driver--get 'pattern))
  (grepls-driver--wait "the diagnostics"
                       (lambda () (= (length (flymake-diagnostics)) (grepls-driver--get 'count))))
  (grepls-driver--record "set")
  (undo-boundary)
  (grepls-replace (grepls-driver--get 'replacement))
  (grepls-driver--holds 'replaced)
  (grepls-driver--record "replaced")
  (undo-boundary)
  (undo)
  (grepls-driver--holds 'undone)
  (grepls-driver--record "undone")
  (grepls-driver--wait "the diagnostics again"
                       (lambda () (= (length (flymake-diagnostics)) (grepls-driver--get 'count))))
  (grepls-driver--code-action "Replace this match" (grepls-driver--get 'action 'one)
                              (grepls-driver--get 'action 'line)
                              (grepls-driver--get 'action 'char_col))
  (grepls-driver--holds 'one)
  (grepls-driver--record "one")
  (grepls-driver--code-action "Replace all " (grepls-driver--get 'action 'all)
                              (grepls-driver--get 'action 'all_line)
                              (grepls-driver--get 'action 'all_char_col))
  (grepls-driver--holds 'all)
  (grepls-driver--record "all"))

(condition-case err
    (grepls-driver--run)
  (error (push (error-message-string err) grepls-driver-errors)
         (ignore-errors (grepls-driver--record "failed"))))

(let ((coding-system-for-write 'utf-8))
  (with-temp-file (grepls-driver--get 'out)
    (insert (json-encode `((phases . ,(vconcat (reverse grepls-driver-phases)))
                           (errors . ,(vconcat grepls-driver-errors))
                           (prompts . ,(vconcat (reverse grepls-driver-prompts)))
                           (confirmations . ,grepls-driver-confirmations)
                           ;; Eglot 1.16 and newer (Emacs 30) ask only for edits of files that no
                           ;; buffer visits (`eglot-confirm-server-edits').
                           (asks_for_visited_files
                            . ,(if (boundp 'eglot-confirm-server-edits) :json-false t)))))))
(kill-emacs (if grepls-driver-errors 1 0))
;;; emacs_replace.el ends here
