;;; emacs_nested_filter.el --- server output read while eglot is inside a handler  -*- lexical-binding: t -*-
;; eglot sends a file's didOpen from inside the handler of the initialize answer, and writing a
;; large one, Emacs reads what the server sends meanwhile: jsonrpc's filter runs inside itself.
;; This driver makes that happen on purpose: from `eglot-connect-hook' (run in that handler) it
;; sets the pattern and reads output there for a while, as a long write would.  Then, outside,
;; it waits for flymake to hold every match, sets another pattern and waits for its answer,
;; and writes what it saw to GREPLS_OUT.

(require 'json)

(defvar grepls-driver--answers 0 "How many setPattern answers arrived.")

(defun grepls-driver--set-pattern (server pattern)
  (jsonrpc-async-request server :workspace/executeCommand
                         `(:command "grepls.setPattern" :arguments [,pattern])
                         :success-fn (lambda (_) (setq grepls-driver--answers
                                                       (1+ grepls-driver--answers)))))

(defun grepls-driver--set-pattern-inside (server)
  "Set the pattern, then read output for half a second, inside jsonrpc's filter."
  (grepls-driver--set-pattern server "TODO")
  (let ((until (+ (float-time) 0.5)))
    (while (< (float-time) until)
      (accept-process-output (jsonrpc--process server) 0.05))))

(defun grepls-driver--wait (predicate seconds)
  (let ((deadline (+ (float-time) seconds)))
    (while (and (not (funcall predicate)) (< (float-time) deadline))
      (accept-process-output nil 0.02)
      (dolist (timer (copy-sequence timer-idle-list))
        (when (memq timer timer-idle-list)
          (timer-event-handler timer))))))

(let ((expected (string-to-number (getenv "GREPLS_EXPECTED")))
      shown)
  (add-hook 'eglot-connect-hook #'grepls-driver--set-pattern-inside 90)
  (find-file (getenv "GREPLS_FILE"))
  (apply #'eglot (eglot--guess-contact))
  (grepls-driver--wait (lambda () (>= (length (flymake-diagnostics)) expected)) 20)
  (setq shown (length (flymake-diagnostics)))
  (grepls-driver--set-pattern (eglot-current-server) "item")
  (grepls-driver--wait (lambda () (= grepls-driver--answers 2)) 10)
  (with-temp-file (getenv "GREPLS_OUT")
    (insert (json-encode (list :shown shown :expected expected
                               :answers grepls-driver--answers))))
  (kill-emacs 0))
