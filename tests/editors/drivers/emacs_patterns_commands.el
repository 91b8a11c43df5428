;;; emacs_patterns_commands.el --- the README's kept-pattern commands, in flymake  -*- lexical-binding: t -*-
;; `grepls-set-pattern' "TODO" and `grepls-add-pattern' "FIXM+" (a regex) show both in flymake,
;; `grepls-list-patterns' says both with their counts, `grepls-remove-pattern' of an id grepls
;; does not know says why, and of "FIXM+" leaves TODO alone shown.  Connects eglot directly (batch
;; Emacs has no command loop for `eglot-ensure') and fires the idle timers by hand while it waits.
;; Writes each step's diagnostics (line, column, text) and the messages as JSON to $GREPLS_OUT;
;; with GREPLS_DRIVER_CHANNEL=highlight, grepls's overlays (line, column, face) instead.
(require 'json)
(require 'cl-lib)

(defvar grepls-commands--messages nil "What `message' said, newest first.")

(defun grepls-commands--said (format-string &rest arguments)
  (when format-string
    (push (apply #'format-message format-string arguments) grepls-commands--messages)))

(advice-add 'message :before #'grepls-commands--said)

(defun grepls-commands--idle ()
  (dolist (timer (copy-sequence timer-idle-list))
    (when (memq timer timer-idle-list)
      (timer-event-handler timer))))

(defvar grepls-commands--highlight (equal (getenv "GREPLS_DRIVER_CHANNEL") "highlight")
  "Whether the matches are grepls's overlays (the highlight-only snippet), not flymake's.")

(defun grepls-commands--shown ()
  "(line column text) of each diagnostic flymake holds, in order; with the highlight-only
snippet, (line column face) of each of grepls's overlays instead."
  (sort (mapcar (lambda (shown)
                  (save-excursion
                    (goto-char (car shown))
                    (vector (1- (line-number-at-pos)) (current-column) (cdr shown))))
                (if grepls-commands--highlight
                    (cl-loop for overlay in (overlays-in (point-min) (point-max))
                             when (overlay-get overlay 'grepls)
                             collect (cons (overlay-start overlay)
                                           (symbol-name (overlay-get overlay 'face))))
                  (mapcar (lambda (d) (cons (flymake-diagnostic-beg d) (flymake-diagnostic-text d)))
                          (flymake-diagnostics))))
        (lambda (a b) (< (aref a 0) (aref b 0)))))

(defun grepls-commands--wait (what predicate)
  (let ((deadline (+ (float-time) 20)))
    (while (and (not (funcall predicate)) (< (float-time) deadline))
      (accept-process-output nil 0.02)
      (grepls-commands--idle))
    (unless (funcall predicate)
      (error "timed out waiting for %s: %S" what (grepls-commands--shown)))))

(defun grepls-commands--kept ()
  "The ids of the patterns the README's commands say this buffer's grepls keeps."
  (vconcat (mapcar #'car (gethash (eglot-current-server) grepls--kept))))

(defun grepls-commands--said-p (text)
  (lambda () (cl-some (lambda (said) (string-search text said)) grepls-commands--messages)))

(let ((ok nil) (report nil))
  (condition-case err
      (progn
        (find-file (getenv "GREPLS_FIXTURE"))
        (apply #'eglot (eglot--guess-contact))
        (grepls-commands--wait "eglot" #'eglot-managed-p)
        (grepls-set-pattern "TODO")
        (grepls-add-pattern "FIXM+" t)
        (grepls-commands--wait "both shown" (lambda () (= (length (grepls-commands--shown)) 2)))
        (push `(both . ,(vconcat (grepls-commands--shown))) report)
        (push `(kept . ,(grepls-commands--kept)) report)
        (grepls-list-patterns)
        (grepls-commands--wait "the list" (grepls-commands--said-p "FIXM+"))
        (grepls-remove-pattern "nothing")
        (grepls-commands--wait "the refusal" (grepls-commands--said-p "'nothing'"))
        (grepls-remove-pattern "FIXM+")
        (grepls-commands--wait "FIXM+ gone" (lambda () (= (length (grepls-commands--shown)) 1)))
        (push `(after_remove . ,(vconcat (grepls-commands--shown))) report)
        (push `(kept_after . ,(grepls-commands--kept)) report)
        (setq ok t))
    (error (push `(error . ,(error-message-string err)) report)))
  (advice-remove 'message #'grepls-commands--said)
  (let ((coding-system-for-write 'utf-8))
    (with-temp-file (getenv "GREPLS_OUT")
      (insert (json-encode `((ok . ,(if ok t :json-false))
                             (messages . ,(vconcat (reverse grepls-commands--messages)))
                             ,@report)))))
  (kill-emacs (if ok 0 1)))
;;; emacs_patterns_commands.el ends here
