;;; emacs_workspace.el --- the workspace scope in Emacs: a closed file's match  -*- lexical-binding: t -*-
;; With `(:grepls (:scope "workspace"))' as eglot's workspace configuration, sets the pattern with
;; the README's `grepls--execute', waits for flymake to hold the open file's match, then asks
;; `grepls.listMatches' with no argument (every match in scope, the closed file's too) and writes
;; the listed (uri, line, text) as JSON. Eglot is connected directly (batch Emacs has no command
;; loop for `eglot-ensure'); idle timers are fired by hand while it waits.
(require 'json)
(require 'cl-lib)

(defun grepls-workspace--idle ()
  (dolist (timer (copy-sequence timer-idle-list))
    (when (memq timer timer-idle-list)
      (timer-event-handler timer))))

(defun grepls-workspace--wait (condition)
  (let ((deadline (+ (float-time) 20)))
    (while (and (< (float-time) deadline) (not (funcall condition)))
      (accept-process-output nil 0.02)
      (grepls-workspace--idle))
    (funcall condition)))

(let ((ok nil) (listed nil) (error-text nil))
  (condition-case err
      (progn
        (setq-default eglot-workspace-configuration '(:grepls (:scope "workspace")))
        (find-file (getenv "GREPLS_OPEN"))
        (apply #'eglot (eglot--guess-contact))
        (unless (grepls-workspace--wait #'eglot-current-server)
          (error "eglot did not connect"))
        (grepls--execute "grepls.setPattern" (list "TODO") #'ignore)
        (unless (grepls-workspace--wait (lambda () (flymake-diagnostics)))
          (error "flymake holds no match of the open file"))
        (let ((reply nil))
          ;; The closed file is searched by the workspace scan: ask until it is listed.
          (grepls-workspace--wait
           (lambda ()
             (let ((answer nil))
               (grepls--execute "grepls.listMatches" nil (lambda (r) (setq answer r)))
               (grepls-workspace--wait (lambda () answer))
               (setq reply answer)
               (> (length reply) 1))))
          (setq listed
                (mapcar (lambda (m)
                          `((uri . ,(plist-get m :uri))
                            (line . ,(plist-get (plist-get (plist-get m :range) :start) :line))
                            (text . ,(plist-get m :text))))
                        reply))
          (setq ok (> (length listed) 1))))
    (error (setq error-text (error-message-string err))))
  (let ((coding-system-for-write 'utf-8))
    (with-temp-file (getenv "GREPLS_OUT")
      (insert (json-encode `((ok . ,(if ok t :json-false))
                             (error . ,error-text)
                             (listed . ,(vconcat listed)))))))
  (kill-emacs (if ok 0 1)))
;;; emacs_workspace.el ends here
