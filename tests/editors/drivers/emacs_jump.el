;;; emacs_jump.el --- walks the matches with grepls-next-match / grepls-previous-match  -*- lexical-binding: t -*-
;; Connects eglot directly (batch Emacs has no command loop for `eglot-ensure'), sets the pattern,
;; waits until grepls lists a match, then from the top calls `grepls-next-match' five times and
;; `grepls-previous-match' once, then each with a count (2, 3), each time waiting for point to move, and writes the walk
;; ((line, characters from its start), 1-based line) and what each jump said (its line in
;; *Messages*) as JSON to $GREPLS_OUT.
(require 'json)

(defun grepls-jump--idle ()
  (dolist (timer (copy-sequence timer-idle-list))
    (when (memq timer timer-idle-list)
      (timer-event-handler timer))))

(defun grepls-jump--wait (predicate)
  (let ((deadline (+ (float-time) 20)))
    (while (and (not (funcall predicate)) (< (float-time) deadline))
      (accept-process-output nil 0.02)
      (grepls-jump--idle))
    (funcall predicate)))

(let ((ok nil) (walk nil) (said nil) (listed nil))
  (condition-case err
      (progn
        (find-file (getenv "GREPLS_FIXTURE"))
        (apply #'eglot (eglot--guess-contact))
        (grepls-set-pattern "TODO")
        (let ((uri (funcall (if (fboundp 'eglot-path-to-uri) #'eglot-path-to-uri
                              #'eglot--path-to-uri)
                            (buffer-file-name))))
          (grepls-jump--wait
           (lambda ()
             (grepls--execute "grepls.listMatches" (list uri)
                              (lambda (reply) (setq listed (> (length reply) 0))))
             (accept-process-output nil 0.05)
             listed)))
        (goto-char (point-min))
        (dolist (step '((grepls-next-match) (grepls-next-match) (grepls-next-match)
                        (grepls-next-match) (grepls-next-match) (grepls-previous-match)
                        (grepls-next-match 2) (grepls-previous-match 3)))
          (let ((before (point)))
            (apply step)
            (grepls-jump--wait (lambda () (/= (point) before)))
            (push (list (line-number-at-pos) (- (point) (line-beginning-position))) walk)
            ;; The jump's own line (grepls's other messages, such as the cap's, left out).
            (push (with-current-buffer "*Messages*"
                    (goto-char (point-max))
                    (and (re-search-backward "^grepls: match.*" nil t) (match-string 0)))
                  said)))
        (setq ok t))
    (error (message "grepls driver: %s" (error-message-string err))))
  (let ((coding-system-for-write 'utf-8))
    (with-temp-file (getenv "GREPLS_OUT")
      (insert (json-encode `((ok . ,(if ok t :json-false))
                             (diagnostics . ,(vconcat (mapcar #'vconcat (reverse walk))))
                             (said . ,(vconcat (reverse said))))))))
  (kill-emacs (if ok 0 1)))
;;; emacs_jump.el ends here
