;;; emacs_patterns.el --- waits for both kept patterns' matches to show  -*- lexical-binding: t -*-
;; Connects eglot directly (batch Emacs has no command loop for `eglot-ensure'), fires the idle
;; timers by hand while it waits, and writes what flymake holds (line, column, type) as JSON; with
;; GREPLS_DRIVER_CHANNEL=highlight, grepls's overlays (line, column, face) instead, and then not ok
;; unless the mode line's counts (`grepls-status') are $GREPLS_STATUS.
(require 'json)
(require 'cl-lib)

(defun grepls-patterns--idle ()
  (dolist (timer (copy-sequence timer-idle-list))
    (when (memq timer timer-idle-list)
      (timer-event-handler timer))))

(defvar grepls-patterns--highlight (equal (getenv "GREPLS_DRIVER_CHANNEL") "highlight")
  "Whether the matches are grepls's overlays (the highlight-only snippet), not flymake's.")

(defun grepls-patterns--shown ()
  "(BEG . TYPE) of each match shown: flymake's diagnostics, or grepls's overlays and faces."
  (if grepls-patterns--highlight
      (mapcar (lambda (o) (cons (overlay-start o) (symbol-name (overlay-get o 'face))))
              (cl-remove-if-not (lambda (o) (overlay-get o 'grepls))
                                (overlays-in (point-min) (point-max))))
    (mapcar (lambda (d) (cons (flymake-diagnostic-beg d) (symbol-name (flymake-diagnostic-type d))))
            (flymake-diagnostics))))

(defun grepls-patterns--held ()
  (sort (mapcar (lambda (shown)
                  (let ((beg (car shown)))
                    `((line . ,(1- (line-number-at-pos beg)))
                      (col . ,(save-excursion (goto-char beg) (current-column)))
                      (type . ,(cdr shown)))))
                (grepls-patterns--shown))
        (lambda (a b) (< (alist-get 'line a) (alist-get 'line b)))))

(let ((deadline (+ (float-time) 20)) (ok nil) (held nil))
  (condition-case err
      (progn
        (find-file (getenv "GREPLS_FIXTURE"))
        (apply #'eglot (eglot--guess-contact))
        (while (and (< (float-time) deadline) (< (length (grepls-patterns--shown)) 2))
          (accept-process-output nil 0.02)
          (grepls-patterns--idle))
        (setq ok (and (>= (length (grepls-patterns--shown)) 2)
                      ;; Highlights: the mode line's counts too, as $GREPLS_STATUS says.
                      (or (not grepls-patterns--highlight)
                          (equal grepls-status (getenv "GREPLS_STATUS")))))
        (setq held (grepls-patterns--held)))
    (error (message "grepls driver: %s" (error-message-string err))))
  (let ((coding-system-for-write 'utf-8))
    (with-temp-file (getenv "GREPLS_OUT")
      (insert (json-encode `((ok . ,(if ok t :json-false))
                             (diagnostics . ,(vconcat held)))))))
  (kill-emacs (if ok 0 1)))
;;; emacs_patterns.el ends here
