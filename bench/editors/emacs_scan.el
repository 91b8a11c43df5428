;;; emacs_scan.el --- Emacs's command loop while grepls scans a whole workspace  -*- lexical-binding: t -*-
;; bench/workspace_emacs.py runs it in batch Emacs, after the README's eglot config and the
;; variant's workspace configuration. A timer asks to run every 5 ms; how late each run comes is
;; how long Emacs was busy with something else (eglot handling the scan's messages, or anything
;; eglot does when grepls asks it to watch files); a key typed meanwhile waits as long. It opens one
;; file of the tree in text-mode, connects eglot, sets the pattern, and waits until the timer has
;; run 400 times (two seconds, free) since the last publish: eglot 1.9 shows no work-done progress,
;; and a wall-clock wait would end during a long stall, before the scan's publishes were read. It
;; writes to GREPLS_BENCH_OUT (JSON): every gap between two timer runs from the setPattern on, when
;; each publishDiagnostics came, and how many watches eglot holds.
(require 'cl-lib)
(require 'json)

(defvar grepls-scan--started nil)
(defvar grepls-scan--publishes nil "Milliseconds from the setPattern to each publish, last first.")
(defvar grepls-scan--ticks 0 "Timer runs since the last publish.")

(defun grepls-scan--now ()
  (* 1000 (- (float-time) grepls-scan--started)))

(cl-defmethod eglot-handle-notification :before
  (_server (_method (eql textDocument/publishDiagnostics)) &rest _)
  (when grepls-scan--started
    (push (grepls-scan--now) grepls-scan--publishes)
    (setq grepls-scan--ticks 0)))

(defun grepls-scan--idle ()
  "Batch Emacs has no command loop: run the idle timers (eglot's sends and flymake's) by hand."
  (dolist (timer (copy-sequence timer-idle-list))
    (when (memq timer timer-idle-list)
      (timer-event-handler timer))))

(defun grepls-scan--wait (condition seconds)
  (let ((deadline (+ (float-time) seconds)))
    (while (and (< (float-time) deadline) (not (funcall condition)))
      (accept-process-output nil 0.005)
      (grepls-scan--idle))
    (funcall condition)))

(setq-default eglot-workspace-configuration
              (list :grepls (append (plist-get eglot-workspace-configuration :grepls)
                                    '(:maxFileSize 1048576
                                      :maxWorkspaceMatches 10000000
                                      :maxMatchesPerDocument 1000000))))
(find-file (expand-file-name (getenv "GREPLS_BENCH_FILE") (getenv "GREPLS_BENCH_TREE")))
(text-mode)
(apply #'eglot (eglot--guess-contact))
(unless (grepls-scan--wait #'eglot-current-server 30)
  (kill-emacs 3))

(let ((gaps nil) (last nil) (timer nil))
  (setq grepls-scan--started (float-time) last grepls-scan--started)
  (setq timer (run-at-time 0.005 0.005
                           (lambda ()
                             (let ((now (float-time)))
                               (push (* 1000 (- now last)) gaps)
                               (setq last now)
                               (cl-incf grepls-scan--ticks)))))
  (grepls--execute "grepls.setPattern"
                   (list (json-parse-string (getenv "GREPLS_BENCH_PATTERN")
                                            :object-type 'plist :false-object :json-false))
                   #'ignore)
  (grepls-scan--wait (lambda ()
                       (and (cdr grepls-scan--publishes) (>= grepls-scan--ticks 400)))
                     120)
  (cancel-timer timer)
  (let ((coding-system-for-write 'utf-8)
        (watches (hash-table-count (eglot--file-watches (eglot-current-server)))))
    (with-temp-file (getenv "GREPLS_BENCH_OUT")
      (insert (json-encode
               `((gaps_ms . ,(vconcat (reverse gaps)))
                 (publishes_ms . ,(vconcat (reverse grepls-scan--publishes)))
                 (watches . ,watches)))))))
(kill-emacs 0)
;;; emacs_scan.el ends here
